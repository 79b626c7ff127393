"""Serializer fields built once per class.

DRF's ModelSerializer maps every model field to a serializer field each time a serializer is made
(field classes, labels, validators, choices): ~19 ms for the compute resource's 30 fields on this
machine under load, ~2 ms to copy them. A provider's status PATCH makes two serializers, and every
response of the provider interface one more.
"""

import copy


class FieldsBuiltOnce:
    """ModelSerializer mixin: the fields are built from the model once per serializer class, and each
    serializer gets deep copies (as DRF itself copies declared fields: ``Field.__deepcopy__`` makes a
    field again from its arguments; labels and messages stay lazy, so each response keeps its language).
    Only for serializers whose fields follow from the class alone, never from the request or instance."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built")
        if built is None:
            built = super().get_fields()
            cls._fields_built = built
        return copy.deepcopy(built)
