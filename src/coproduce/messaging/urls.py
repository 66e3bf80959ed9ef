from django.urls import path

from . import views

app_name = "messaging"
urlpatterns = [
    # A person's own messages, and the messages of someone they act for.
    path("", views.message_list, name="messages"),
    path("for/<uuid:person_id>/", views.message_list, name="messages-for"),
    path("<id:message_id>/", views.message, name="message"),
]
