"""Serializers of the page models' ``api_fields`` (used by Wagtail's API v2 serializer of each page).

Values a visitor reads as words (发文机关, 公开属性, 类别) come in Chinese and English: the site is Chinese
at ``/`` and English under ``/en/`` with the same page content, so a front end in either language gets
both labels and picks one.
"""

from rest_framework import serializers


class AuthoritySerializer(serializers.Serializer):
    """An issuing authority (发文机关)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    level = serializers.CharField()
    division = serializers.CharField(source="division_id", allow_null=True)


class AttachmentSerializer(serializers.Serializer):
    """An attachment (附件): its label and the document; documents in private collections are left out."""

    label = serializers.CharField(source="display_label")
    document = serializers.SerializerMethodField()

    def get_document(self, attachment) -> dict:
        document = attachment.document
        return {"id": document.pk, "title": document.title, "download_url": document.url}


class AttachmentListSerializer(serializers.ListSerializer):
    child = AttachmentSerializer()

    def to_representation(self, data):
        from portal.selectors import document_ids_private

        private = document_ids_private()
        items = data.all() if hasattr(data, "all") else data
        return [self.child.to_representation(item) for item in items if item.document_id not in private]


def attachments_field():
    return AttachmentListSerializer(child=AttachmentSerializer(), read_only=True)


class CampaignSerializer(serializers.Serializer):
    """The application campaign (申报批次) a notice deploys or a guide describes."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    year = serializers.IntegerField()
    province = serializers.CharField(source="province_id")
    opens_at = serializers.DateTimeField()
    materials_deadline = serializers.DateTimeField()
