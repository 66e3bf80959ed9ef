from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "coproduce.web"
    label = "web"
    verbose_name = "Website"
