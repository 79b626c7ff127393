from rest_framework import serializers

from .models import Division, IndustryCategory, User


class DivisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Division
        fields = ["code", "name_zh", "name_en", "level", "kind", "parent"]


class IndustryCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = IndustryCategory
        fields = ["code", "name", "section", "division_code", "division_name"]


class AffiliationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["organization", "authority"])
    id = serializers.IntegerField()
    name = serializers.CharField()


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.ListField(child=serializers.CharField())
    affiliation = AffiliationSerializer(allow_null=True)

    class Meta:
        model = User
        fields = ["username", "full_name", "email", "roles", "affiliation"]


class USCCCheckSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="统一社会信用代码 / unified social credit code")


class USCCCheckResultSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="规范化后的代码 / the normalised code")
    valid = serializers.BooleanField()
    errors = serializers.ListField(child=serializers.CharField())
    warnings = serializers.ListField(child=serializers.CharField())
