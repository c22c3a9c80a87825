from datetime import timedelta

from django.contrib import admin, messages
from django.utils import timezone

from .models import FAQ, Article, Condition, Status


class ReviewDueFilter(admin.SimpleListFilter):
    """Health information goes stale: make pages whose clinical review is due easy to find."""

    title = "clinical review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue"), ("soon", "Due within 60 days")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(next_review_due__lte=today)
        if self.value() == "soon":
            return queryset.filter(next_review_due__gt=today, next_review_due__lte=today + timedelta(days=60))
        return queryset


class PageAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "order", "last_reviewed", "next_review_due", "updated_at"]
    list_filter = ["status", ReviewDueFilter]
    list_editable = ["order"]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["published_at", "updated_at"]
    actions = ["publish", "unpublish"]
    # "View on site" uses get_absolute_url: for a draft it opens the staff preview.

    @admin.action(description="Publish selected pages")
    def publish(self, request, queryset):
        changed = 0
        for page in queryset.filter(status=Status.DRAFT):
            page.status = Status.PUBLISHED
            page.save()  # sets published_at
            changed += 1
        self.message_user(request, f"Published {changed} page(s).", messages.SUCCESS)

    @admin.action(description="Turn selected pages back into drafts")
    def unpublish(self, request, queryset):
        changed = queryset.filter(status=Status.PUBLISHED).update(status=Status.DRAFT, updated_at=timezone.now())
        self.message_user(request, f"{changed} page(s) are now drafts.", messages.SUCCESS)


REVIEW_FIELDSET = ("Clinical review", {"fields": ["last_reviewed", "next_review_due", "reviewed_by"]})
PUBLISHING_FIELDSET = ("Publishing", {"fields": ["status", "order", "published_at", "updated_at"]})


@admin.register(Article)
class ArticleAdmin(PageAdmin):
    list_display = ["title", "topic", *PageAdmin.list_display[1:]]
    list_filter = ["status", "topic", ReviewDueFilter]
    filter_horizontal = ["related"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "topic", "summary", "body", "related"]}),
        REVIEW_FIELDSET,
        PUBLISHING_FIELDSET,
    ]


@admin.register(Condition)
class ConditionAdmin(PageAdmin):
    list_display = ["title", "medical_term", "region", *PageAdmin.list_display[1:]]
    list_filter = ["status", "region", ReviewDueFilter]
    search_fields = [*PageAdmin.search_fields, "medical_term"]
    filter_horizontal = ["related_articles"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "medical_term", "region", "summary", "body", "related_articles"]}),
        REVIEW_FIELDSET,
        PUBLISHING_FIELDSET,
    ]


@admin.register(FAQ)
class FAQAdmin(PageAdmin):
    list_display = ["title", "article", *PageAdmin.list_display[1:]]
    list_filter = ["status", "article", ReviewDueFilter]
    list_select_related = ["article"]
    autocomplete_fields = ["article"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body", "article"]}),
        REVIEW_FIELDSET,
        PUBLISHING_FIELDSET,
    ]
