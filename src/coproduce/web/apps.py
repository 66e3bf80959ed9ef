from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "coproduce.web"
    label = "web"
    verbose_name = "Website"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.core import checks

        from coproduce.middleware import stamp_sign_in_time
        from coproduce.modules import check_manifests

        from .security_txt import check_security_contact_is_published, check_security_contacts

        user_logged_in.connect(stamp_sign_in_time, dispatch_uid="coproduce-sign-in-time")
        checks.register(check_manifests)
        checks.register(check_security_contacts, checks.Tags.security)
        checks.register(check_security_contact_is_published, checks.Tags.security, deploy=True)
