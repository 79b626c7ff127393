"""StreamField blocks of every portal page type, kept in this one module."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("标题"))
    level = blocks.ChoiceBlock(choices=[("h2", "H2"), ("h3", "H3")], default="h2", label=_("级别"))

    class Meta:
        icon = "title"
        template = "components/blocks/heading_block.html"


class BodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(label=_("段落"))

    class Meta:
        template = "components/blocks/body_block.html"
