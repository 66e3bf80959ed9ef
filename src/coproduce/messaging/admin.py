"""Messages are shown in the back office, never written there: send_message is the one way
a message is made, and each is sent at most once. Every look is on the person's audit trail."""

from django.contrib import admin

from coproduce.people.admin_audit import AuditedViewOnlyAdmin

from .models import Message


@admin.register(Message)
class MessageAdmin(AuditedViewOnlyAdmin):
    audit_what = "messages"
    list_display = ["created_at", "person", "channel", "subject", "status", "sent_at"]
    list_filter = ["channel", "status"]
    search_fields = ["key", "subject"]
    list_select_related = ["person"]
    date_hierarchy = "created_at"
    show_full_result_count = False
