from django.urls import path

from . import oidc, security_txt, two_factor, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("feedback/", views.feedback, name="feedback"),
    path(".well-known/security.txt", security_txt.security_txt, name="security-txt"),
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-in/oidc/start/", oidc.start, name="oidc-start"),
    path("sign-in/oidc/callback/", oidc.callback, name="oidc-callback"),
    path("sign-in/two-factor/", two_factor.verify, name="two-factor-verify"),
    path("sign-in/two-factor/recovery-code/", two_factor.recovery, name="two-factor-recovery"),
    path("sign-in/two-factor/set-up/", two_factor.setup, name="two-factor-setup"),
    path(
        "sign-in/two-factor/recovery-codes/",
        two_factor.new_recovery_codes,
        name="two-factor-recovery-codes",
    ),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path("home/", views.dashboard, name="dashboard"),
    path(
        "reset-password/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "reset-password/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
]
