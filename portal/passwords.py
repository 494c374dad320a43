"""Password rules with Chinese messages.

Django 5.2 rewrote MinimumLengthValidator's error message ("... at least %d character." instead of
"%(min_length)d"), and its zh_Hans catalogue still has only the old text, so a short password was refused in
English while every other validator spoke Chinese. This validator keeps Django's rule and says it in the
portal's own (translatable) words.
"""
from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return ngettext(
            "密码太短，至少需要 %(min_length)d 个字符。",
            "密码太短，至少需要 %(min_length)d 个字符。",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self):
        return ngettext(
            "密码至少需要 %(min_length)d 个字符。",
            "密码至少需要 %(min_length)d 个字符。",
            self.min_length,
        ) % {"min_length": self.min_length}
