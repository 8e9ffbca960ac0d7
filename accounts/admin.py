from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["-date_joined"]
    list_display = ["email", "display_name", "city", "is_staff", "is_active", "is_suspended", "date_joined"]
    # "Suspended" is the desk's queue of suspended people; suspend from the person's profile page.
    list_filter = ["is_suspended", "is_staff", "is_superuser", "is_active"]
    readonly_fields = ["is_suspended", "suspended_at", "suspension_reason"]
    search_fields = ["email", "display_name", "city"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "avatar", "bio", "languages", "city"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Suspension", {"fields": ["is_suspended", "suspended_at", "suspension_reason"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
