from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "undeu.accounts"
    label = "accounts"
