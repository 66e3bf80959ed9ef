"""Messages are shown in the back office, never written there: send_message is the one way
a message is made, and each is sent at most once."""

from django.contrib import admin

from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "person", "channel", "subject", "status", "sent_at"]
    list_filter = ["channel", "status"]
    search_fields = ["key", "subject"]
    list_select_related = ["person"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
