"""The names of the rules that leave text out, in Chinese and English (`qa inspect`, the console)."""

from __future__ import annotations

RULES: dict[str, tuple[str, str]] = {
    "navigation": ("导航或位置栏", "navigation trail"),
    "legal": ("版权或免责声明", "copyright or legal notice"),
    "contact": ("网站联系方式", "site contact line"),
    "widget": ("页面按钮或控件", "page widget"),
    "footer": ("页脚开头（之后的内容一并略去）", "start of the page footer (what follows goes too)"),
    "after-footer": ("页脚部分", "page footer"),
    "caption": ("图片说明", "photo caption"),
    "credit": ("摄影署名", "photo credit"),
    "image-gap": ("图片留白处的短行（图片说明）", "short line in an image's gap (a caption)"),
    "metadata": ("元数据行（已读取为出处信息）", "metadata line (read into the source)"),
    "byline": ("署名行（已读取为作者）", "byline (read as the author)"),
    "no-chinese-header": ("正文前不含汉字的行", "line without Chinese before the body"),
    "markup": ("HTML 或 Markdown 标记", "HTML or Markdown markup"),
    "image": ("图片", "image"),
    "trailing-heading": ("结尾处没有正文跟随的短行", "short line at the end with no text after it"),
    "title-repeat": ("重复的标题", "heading that repeats the title"),
    "masthead": (
        "标题之上的站名或页头（网页另有标题）",
        "site name or masthead above the headline (the page names its own)",
    ),
    "page-furniture": ("页眉、页脚或页码", "running header, footer or page number"),
}


def describe(rule: str, lang: str = "zh") -> str:
    """A rule's name in `lang` ("zh" or "en"); the key itself when unknown."""
    names = RULES.get(rule)
    return names[0 if lang == "zh" else 1] if names else rule
