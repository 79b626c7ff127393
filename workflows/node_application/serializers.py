from rest_framework import serializers

from .models import APPLICANT_STAGE_LABELS, ApplicationEvent, NodeApplication


class TimelineEntrySerializer(serializers.ModelSerializer):
    stage = serializers.CharField(source="to_stage")
    stage_label = serializers.SerializerMethodField()

    class Meta:
        model = ApplicationEvent
        fields = ["at", "action_label", "actor_unit", "stage", "stage_label", "opinion"]

    def get_stage_label(self, obj) -> str:
        return str(APPLICANT_STAGE_LABELS.get(obj.to_stage, "")) if obj.to_stage else ""


class ApplicationSerializer(serializers.ModelSerializer):
    """An applicant's view of one application: status and current step."""

    campaign = serializers.CharField(source="campaign.slug")
    title = serializers.CharField()
    current_step = serializers.CharField(source="applicant_stage_label")
    industry = serializers.CharField(source="industry_id", allow_null=True)
    region = serializers.CharField(source="region_id", allow_null=True)

    class Meta:
        model = NodeApplication
        fields = [
            "reference",
            "campaign",
            "node_type",
            "title",
            "region",
            "industry",
            "stage",
            "current_step",
            "created_at",
            "updated_at",
            "submitted_at",
            "ministry_submitted_at",
        ]


class ApplicationDetailSerializer(ApplicationSerializer):
    timeline = serializers.SerializerMethodField()
    expected_now = serializers.SerializerMethodField()

    class Meta(ApplicationSerializer.Meta):
        fields = [*ApplicationSerializer.Meta.fields, "expected_now", "timeline"]

    def get_expected_now(self, obj) -> str:
        from .models import APPLICANT_EXPECTED

        return str(APPLICANT_EXPECTED.get(obj.stage, ""))

    def get_timeline(self, obj) -> list[dict]:
        events = [e for e in obj.events.all() if e.visible_to_applicant]
        return TimelineEntrySerializer(events, many=True).data
