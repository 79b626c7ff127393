"""StreamField blocks of every portal page type, kept in this one module."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("标题"))
    level = blocks.ChoiceBlock(choices=[("h2", "H2"), ("h3", "H3")], default="h2", label=_("级别"))

    class Meta:
        icon = "title"
        label = _("小标题")
        template = "components/blocks/heading_block.html"


class ContactBlock(blocks.StructBlock):
    """One contact line of a notice: the unit, the person and how to reach them."""

    unit = blocks.CharBlock(label=_("单位"))
    person = blocks.CharBlock(label=_("联系人"), required=False)
    phone = blocks.CharBlock(label=_("电话"), required=False)
    address = blocks.CharBlock(label=_("地址"), required=False)

    class Meta:
        icon = "user"
        label = _("联系方式")


class KeyDateBlock(blocks.StructBlock):
    """A dated step of a call (deadline, review window, ...)."""

    date = blocks.DateBlock(label=_("日期"))
    label = blocks.CharBlock(label=_("事项"))

    class Meta:
        icon = "date"
        label = _("时间节点")


class BodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(label=_("段落"))

    class Meta:
        template = "components/blocks/body_block.html"


class NoticeBodyBlock(BodyBlock):
    """Body of notices and policy pages: text plus the structured parts a call always has."""

    key_dates = blocks.ListBlock(
        KeyDateBlock(), label=_("时间安排"), template="components/blocks/key_dates_block.html", icon="date"
    )
    contacts = blocks.ListBlock(
        ContactBlock(), label=_("联系方式"), template="components/blocks/contacts_block.html", icon="user"
    )

    class Meta:
        template = "components/blocks/body_block.html"
