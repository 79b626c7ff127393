"""Demo content of the portal itself (the home page's introduction)."""

from .models import HomePage

INTRO = (
    "<p>本节点是国家算力互联互通节点体系（1+M+N）中的区域节点平台：汇聚本区域算力资源，"
    "统一标识、统一标准、统一规则，提供算力选择、需求对接、运行监测与安全保障服务。</p>"
)


def seed() -> list[str]:
    home = HomePage.objects.first()
    if home is not None and home.intro != INTRO:
        home.intro = INTRO
        home.save_revision().publish()
    return []
