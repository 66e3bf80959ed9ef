from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "coproduce.web"
    label = "web"
    verbose_name = "Website"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from coproduce.middleware import stamp_sign_in_time

        user_logged_in.connect(stamp_sign_in_time, dispatch_uid="coproduce-sign-in-time")
