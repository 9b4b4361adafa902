from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "undeu.accounts"
    label = "accounts"

    def ready(self):
        from allauth.account.decorators import secure_admin_login
        from django.contrib import admin

        # The admin's own login form asks for no second factor: send it to allauth's sign-in
        # (with ?next= back to the admin), which does. allauth documents this decorator for it.
        admin.site.login = secure_admin_login(admin.site.login)
