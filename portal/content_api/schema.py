"""OpenAPI documentation of the content API (drf-spectacular): Wagtail's viewsets build their serializers
per request, so the response shapes are declared here, with examples from the demo site.

Every item field is optional: ``?fields=`` adds or removes fields, and a page type has only its own.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers

PAGE_TYPES = ["portal.NoticePage", "portal.PolicyPage", "portal.GuidePage", "portal.NoticeIndexPage",
              "portal.PolicyIndexPage", "portal.HomePage"]  # fmt: skip


class ErrorSerializer(serializers.Serializer):
    """Wagtail's errors carry ``message``; a path that is no endpoint at all answers ``detail``."""

    message = serializers.CharField(required=False, help_text="错误说明 (what was wrong)")
    detail = serializers.CharField(required=False)


class ListMetaSerializer(serializers.Serializer):
    total_count = serializers.IntegerField(help_text="符合条件的总数")


class LabelSerializer(serializers.Serializer):
    zh = serializers.CharField()
    en = serializers.CharField()


class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = LabelSerializer()


class AuthorityOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    level = serializers.CharField()
    division = serializers.CharField(allow_null=True)


class AttachmentDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    download_url = serializers.CharField()


class AttachmentOutSerializer(serializers.Serializer):
    label = serializers.CharField()
    document = AttachmentDocumentSerializer()


class CampaignOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    year = serializers.IntegerField()
    province = serializers.CharField()
    opens_at = serializers.DateTimeField()
    materials_deadline = serializers.DateTimeField()


class PageMetaSerializer(serializers.Serializer):
    type = serializers.CharField(required=False, help_text="页面类型，如 portal.NoticePage")
    detail_url = serializers.URLField(required=False)
    html_url = serializers.URLField(required=False, allow_null=True, help_text="中文页面；英文界面在 /en/ 下")
    slug = serializers.CharField(required=False)
    first_published_at = serializers.DateTimeField(required=False, allow_null=True)
    locale = serializers.CharField(required=False, help_text="zh-hans 或 en")
    show_in_menus = serializers.BooleanField(required=False)
    seo_title = serializers.CharField(required=False, allow_blank=True)
    search_description = serializers.CharField(required=False, allow_blank=True)
    parent = serializers.JSONField(required=False, allow_null=True)
    alias_of = serializers.JSONField(required=False, allow_null=True)


class PageItemSerializer(serializers.Serializer):
    """A page; notices and policies carry the official document fields, guides their campaign."""

    id = serializers.IntegerField()
    meta = PageMetaSerializer(required=False)
    title = serializers.CharField(required=False)
    document_number = serializers.CharField(required=False, allow_blank=True, help_text="文号")
    issued_on = serializers.DateField(required=False, help_text="成文日期")
    issuing_authorities = AuthorityOutSerializer(required=False, many=True, help_text="发文机关")
    issuer_names = serializers.CharField(required=False, allow_blank=True, help_text="发文机关署名")
    disclosure = ChoiceSerializer(required=False, help_text="公开属性")
    category = ChoiceSerializer(required=False, help_text="类别（政策文件）")
    summary = serializers.CharField(required=False, allow_blank=True)
    intro = serializers.CharField(required=False, allow_blank=True)
    body = serializers.JSONField(required=False, help_text="正文（StreamField 块）")
    attachments = AttachmentOutSerializer(required=False, many=True, help_text="附件（不含非公开文件）")
    campaign = CampaignOutSerializer(required=False, allow_null=True, help_text="申报批次")


class PageListSerializer(serializers.Serializer):
    meta = ListMetaSerializer()
    items = PageItemSerializer(many=True)


class FileMetaSerializer(serializers.Serializer):
    type = serializers.CharField(required=False)
    detail_url = serializers.URLField(required=False)
    tags = serializers.ListField(required=False, child=serializers.CharField())
    download_url = serializers.CharField(required=False)


class FileItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    meta = FileMetaSerializer(required=False)
    title = serializers.CharField(required=False)
    width = serializers.IntegerField(required=False)
    height = serializers.IntegerField(required=False)


class FileListSerializer(serializers.Serializer):
    meta = ListMetaSerializer()
    items = FileItemSerializer(many=True)


def _param(name, kind, description, **extra):
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, required=False, description=description, **extra)


COMMON = [
    _param("limit", int, "每页条数（最多 20）", default=20),
    _param("offset", int, "跳过的条数", default=0),
    _param("fields", str, "增减字段，如 fields=document_number,-title 或 fields=*"),
    _param("order", str, "排序字段，如 -first_published_at、title、random"),
    _param("search", str, "全文检索"),
]
PAGE_FILTERS = [
    _param("type", str, "页面类型（可用逗号分隔多个）", enum=PAGE_TYPES),
    _param("year", int, "成文年份（通知公告、政策文件）"),
    _param("authority", int, "发文机关 id（通知公告、政策文件）"),
    _param("locale", str, "语言：zh-hans（页面内容）；en（编辑提供英文译本时）", enum=["zh-hans", "en"]),
    _param("child_of", str, "父页面 id，或 root"),
    _param("descendant_of", int, "祖先页面 id"),
]
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="参数错误"),
    404: OpenApiResponse(ErrorSerializer, description="不存在或不公开"),
}
NOTICE_EXAMPLE = {
    "meta": {"total_count": 1},
    "items": [
        {
            "id": 12,
            "meta": {
                "type": "portal.NoticePage",
                "detail_url": "http://node.example/api/v1/content/pages/12/",
                "html_url": "http://node.example/notices/hebei-2026/",
                "slug": "hebei-2026",
                "first_published_at": "2026-02-20T09:00:00+08:00",
                "locale": "zh-hans",
            },
            "title": "关于组织申报2026年算力互联互通节点的通知",
            "document_number": "冀通信联〔2026〕4号",
            "issued_on": "2026-02-18",
            "issuing_authorities": [{"id": 3, "name": "河北省通信管理局", "level": "province", "division": "130000"}],
            "disclosure": {"value": "public", "label": {"zh": "主动公开", "en": "Public"}},
            "attachments": [
                {
                    "label": "附件2 区域节点申报书",
                    "document": {"id": 5, "title": "附件2", "download_url": "/documents/5/a2.docx"},
                }
            ],
        }
    ],
}


def _view_schema(*, name: str, item, listing, params, examples=()):
    """A class decorator: Wagtail's actions (listing_view, detail_view, find_view) get per-class wrappers
    carrying their documentation (drf-spectacular reads it from the action method)."""
    schemas = {
        "listing_view": extend_schema(
            operation_id=f"content_{name}_list",
            summary=f"{name}: 列表 · list",
            tags=["content"],
            parameters=COMMON + params,
            responses={200: listing, **ERRORS},
            examples=list(examples),
        ),
        "detail_view": extend_schema(
            operation_id=f"content_{name}_retrieve",
            summary=f"{name}: 详情 · detail",
            tags=["content"],
            parameters=[
                OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH),
                _param("fields", str, "增减字段"),
            ],
            responses={200: item, **ERRORS},
        ),
        "find_view": extend_schema(
            operation_id=f"content_{name}_find",
            summary=f"{name}: 按 id 或站点路径查找，转到详情 · find by id or site path",
            tags=["content"],
            parameters=[_param("id", int, "id")]
            + ([_param("html_path", str, "站点上的路径，如 /notices/hebei-2026/")] if name == "pages" else []),
            responses={302: OpenApiResponse(description="转到详情接口"), **ERRORS},
        ),
    }

    def decorate(cls):
        for action, schema in schemas.items():
            base = getattr(cls, action)

            def wrapper(self, *args, _base=base, **kwargs):
                return _base(self, *args, **kwargs)

            wrapper.__name__ = action
            setattr(cls, action, schema(wrapper))
        return cls

    return decorate


PAGE_SCHEMA = _view_schema(
    name="pages",
    item=PageItemSerializer,
    listing=PageListSerializer,
    params=PAGE_FILTERS,
    examples=[OpenApiExample("通知公告", value=NOTICE_EXAMPLE, response_only=True, status_codes=["200"])],
)
DOCUMENT_SCHEMA = _view_schema(name="documents", item=FileItemSerializer, listing=FileListSerializer, params=[])
IMAGE_SCHEMA = _view_schema(name="images", item=FileItemSerializer, listing=FileListSerializer, params=[])
