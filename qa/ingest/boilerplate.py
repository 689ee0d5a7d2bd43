"""What web boilerplate looks like: predicates on single lines, no state.

General rules for Chinese news pages, not per-site code: navigation trails,
share/footer widgets, copyright and disclaimer blocks, ICP numbers, editor
lines, photo captions and credits.
"""

from __future__ import annotations

import re

# Lines that are never content, wherever they stand.
_ALWAYS = re.compile(
    r"^(当前位置|您的位置|你的位置|您现在的位置|现在位置|所在位置)\s*[:：]"
    r"|首页\s*(>|＞|»|›|&gt;)"
    r"|^(手机细览|手机版|打印本页|关闭窗口|打印|关闭|收藏|纠错)(\s|$)"
    r"|^今天是\s*[:：]?"
    r"|【?\s*字号\s*[:：]"
    r"|^(上一篇|下一篇|上一条|下一条)\s*[:：]"
    r"|[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]ICP[备证]"
    r"|公网安备|版权所有|Copyright|©|All Rights Reserved"
    r"|^(地址|邮编|电话|传真|邮箱|电子邮箱|技术支持|主办|承办|主管)\s*[:：]"
    r"|未经.{0,30}(授权|许可|同意).{0,15}(转载|复制|使用|摘编|镜像|链接)",
    re.IGNORECASE,
)

# Short widget lines: only when the line is little more than the widget itself.
_WIDGET = re.compile(
    r"^(联系我们|在线咨询|分享本页|分享到.*|分享|返回顶部|回到顶部|返回首页|网站地图|设为首页|"
    r"加入收藏|扫一扫.*|打印本页|关闭本页|关闭窗口|更多|点击查看|阅读原文|浏览次数.*|"
    r"点击数.*|【打印】.*|【关闭】.*|微信|微博|QQ空间)$"
)

# A line that starts the page footer: everything after it is dropped.
_FOOTER = re.compile(
    r"^(版权与免责声明|免责声明|版权声明|法律声明|相关新闻|相关阅读|相关链接|相关文章|延伸阅读|"
    r"推荐阅读|热点推荐|猜你喜欢|网友评论|发表评论|责任编辑|责编|编辑|审核|校对|终审)\s*([:：]|$)"
)

# Photo captions and credits.
_CAPTION_MARK = re.compile(r"^\s*(←|→|↑|↓|▲|△|▼|图为|图\s*[:：]|[(（【]\s*图|图片来源|资料图)")
_CAPTION_POS = re.compile(r"[(（]\s*(左|右|中|前排|后排)[一二三四五六七八九十\d]*\s*[)）]")
_CREDIT = re.compile(
    r"(^|\s)(本版)?(摄影|摄|图片)\s*[:：]?\s*[\u4e00-\u9fff·]{2,4}(\s|$)|[\u4e00-\u9fff]{2,4}\s*摄\s*[)）]?$"
)


def is_boilerplate(line: str) -> bool:
    """True when the stripped `line` is navigation, widget or legal text."""
    if _ALWAYS.search(line):
        return True
    return len(line) <= 24 and bool(_WIDGET.match(line))


def starts_footer(line: str) -> bool:
    """True when `line` opens the page footer (disclaimer, related news, editor)."""
    return bool(_FOOTER.match(line))


def is_caption(line: str) -> bool:
    """True when `line` is marked as a photo caption or a photo credit."""
    if len(line) > 80:
        return False
    return bool(_CAPTION_MARK.match(line) or _CAPTION_POS.search(line) or _CREDIT.search(line))
