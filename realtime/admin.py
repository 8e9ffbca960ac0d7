"""Admin desk views of notifications and conversations (staff read threads when settling disputes)."""

from django.contrib import admin

from realtime.models import Message, Notification, Thread, ThreadParticipant


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "recipient", "seq", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("recipient__email", "kind")
    raw_id_fields = ("recipient",)


class ParticipantInline(admin.TabularInline):
    model = ThreadParticipant
    extra = 0
    raw_id_fields = ("user",)
    readonly_fields = ("last_read_message_id", "joined_at")


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ("id", "key", "title", "last_message_at")
    search_fields = ("key", "title")
    inlines = [ParticipantInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("id", "thread", "sender", "created_at")
    raw_id_fields = ("thread", "sender")
    search_fields = ("thread__key",)
