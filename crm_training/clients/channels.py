"""The channel vocabulary of client exports: platforms, marketplaces and their everyday names.

Client systems name a sales or contact channel by the platform it runs on (天猫, 京东, 微信小程序,
Amazon, Shopify, POS ...), not by the kit's codes. :data:`CHANNEL_WORDS` maps those names, in
Chinese and English, onto the channel levels of :mod:`crm_training.schema`; they are compared
after :func:`channel_key` (full-width to half-width, case, spaces and punctuation removed), so
"ＴＭＡＬＬ", "T-Mall" and "tmall " are one name. A mapping file adds or overrides names per
column (``codes: {channel: {Kiosk: store}}``, see :mod:`.mapping`).

Where a name lands, decided once:

* ``marketplace``: a third-party platform the client sells on, whose checkout, customer
  account and customer data belong to the platform (淘宝 天猫 京东 拼多多 唯品会, Amazon eBay
  Lazada Shopee AliExpress Temu, food-delivery platforms such as 美团 and 饿了么). The shop a
  client runs *inside* a social platform is a marketplace too (抖音小店 / 抖店, TikTok Shop,
  快手小店, 小红书店铺): the platform takes the order and keeps the buyer, as on Tmall. The
  name of a marketplace followed by more text ("天猫旗舰店", "Amazon.de", "Shopee SG") is the
  marketplace as well (:data:`MARKETPLACE_PREFIXES`).
* ``social``: the social platform itself, its content, live streams and messages (微信, 公众号,
  视频号, 企业微信, 抖音 / Douyin / TikTok, 小红书 / RED, 微博, 快手, Bilibili, Facebook,
  Instagram, WhatsApp), as the kit read them before.
* ``app``: the client's own app, including its WeChat or Alipay mini program (微信小程序,
  小程序, 手机客户端, iOS, Android): the client owns the customer relation there.
* ``website``: the client's own web shop, whatever software runs it (官网, 网上商城, web shop,
  online shop, e-shop, Shopify, WooCommerce, Magento).
* ``store``: face to face (门店, 线下, 专柜, 营业厅, 网点, POS, branch, counter).
* ``phone``: calls (400电话, 800电话, 客服热线, 呼叫中心, call centre / call center, hotline).
* ``email`` and ``sms``: e-mail (EDM, newsletter) and text messages.
* ``other``: what the client itself calls other (其他, 其它, misc).

A channel value the kit does not know (a kiosk, a fax, the name of a shop) is never blanked in
the ``channel`` column of a table that has ``channel_raw``: it becomes ``other``, and
``channel_raw`` keeps the client's text of every row (so 天猫 and 京东 stay apart even though
both are ``marketplace``). The validation report counts those values (``other_channel``, a
warning that costs no row). The customers' ``preferred_channel`` and ``acquisition_channel``
have no such column: the vocabulary maps their values too, and an unknown one is blanked and
reported (``unknown_code``), like every other coded column.

Examples
--------
>>> levels = ("store", "website", "app", "phone", "social", "marketplace", "other")
>>> [channel_code(v, levels) for v in ["天猫", "ＴＭａｌｌ", "微信 小程序", "Call-Centre", "Fax"]]
['marketplace', 'marketplace', 'app', 'phone', None]
>>> channel_code("天猫旗舰店", levels), channel_code("Amazon.de", levels)
('marketplace', 'marketplace')
"""
from __future__ import annotations

import functools
import re
import unicodedata

# Coded columns whose unknown client values are kept: the level they become and the column
# that keeps the client's text (for every row that names a value, known or not).
KEEP_UNKNOWN = {"channel": ("other", "channel_raw")}

CHANNEL_WORDS: dict[str, tuple[str, ...]] = {
    "marketplace": (
        "marketplace", "marketplaces", "online marketplace", "third-party platform",
        "third party platform", "3rd party platform", "third-party", "3rd party", "platform",
        "e-commerce platform", "第三方平台", "第三方", "电商平台", "平台", "平台店铺",
        "淘宝", "淘宝网", "淘宝店", "淘宝c店", "淘宝直播", "taobao", "taobao.com",
        "天猫", "天猫商城", "天猫旗舰店", "天猫超市", "天猫国际", "tmall", "t-mall", "tmall.com",
        "tmall global",
        "京东", "京东商城", "京东自营", "京东旗舰店", "京东pop", "京东到家", "jd", "jd.com",
        "jingdong", "jd worldwide",
        "拼多多", "拼多多商城", "pinduoduo", "pdd", "temu",
        "唯品会", "vipshop", "苏宁", "苏宁易购", "suning", "当当", "dangdang", "闲鱼", "xianyu",
        "考拉海购", "网易考拉", "得物", "dewu", "poizon", "美团", "美团外卖", "meituan",
        "饿了么", "ele.me", "eleme", "大众点评", "dianping", "携程", "ctrip", "trip.com",
        "飞猪", "fliggy", "去哪儿", "qunar",
        "抖音小店", "抖店", "抖音商城", "抖音电商", "douyin shop", "douyin store",
        "tiktok shop", "tik tok shop", "tiktok store", "快手小店", "快手电商", "kuaishou shop",
        "小红书店铺", "小红书商城", "xiaohongshu shop", "red shop",
        "amazon", "amazon.com", "amazon marketplace", "ebay", "ebay.com", "lazada", "shopee",
        "aliexpress", "速卖通", "alibaba", "1688", "etsy", "walmart marketplace", "zalando",
        "rakuten", "乐天", "mercado libre", "flipkart", "bol.com", "allegro", "cdiscount",
        "otto", "wayfair", "booking.com", "expedia", "airbnb",
    ),
    "social": (
        "social", "social media", "social network", "社交", "社交媒体", "社媒", "社交平台",
        "微信", "weixin", "wechat", "we chat", "公众号", "微信公众号", "服务号", "订阅号",
        "official account", "wechat official account", "视频号", "微信视频号", "wechat channels",
        "企业微信", "wecom", "wechat work", "朋友圈", "moments", "社群", "微信群",
        "抖音", "douyin", "tiktok", "tik tok", "小红书", "xiaohongshu", "red", "little red book",
        "微博", "新浪微博", "weibo", "快手", "kuaishou", "b站", "哔哩哔哩", "bilibili", "知乎",
        "zhihu", "直播", "live stream", "livestream", "live streaming", "facebook", "fb",
        "instagram", "ig", "whatsapp", "line", "kakaotalk", "telegram", "twitter", "x.com",
        "youtube", "pinterest", "linkedin", "snapchat", "messenger",
    ),
    "app": (
        "app", "apps", "mobile app", "mobile application", "应用", "手机应用", "移动应用",
        "客户端", "手机客户端", "手机app", "app端", "移动端", "手机端", "ios", "ios app",
        "iphone", "iphone app", "ipad app", "android", "android app", "安卓", "苹果app",
        "苹果客户端", "安卓客户端", "小程序", "微信小程序", "mini program", "mini-program",
        "miniprogram", "mini app", "wechat mini program", "wechat mini-program",
        "weixin mini program", "wechat miniprogram", "支付宝小程序", "alipay mini program",
        "抖音小程序", "百度小程序", "快应用", "in-app", "in app",
    ),
    "website": (
        "website", "web site", "web", "www", "internet", "online", "线上", "官网", "官方网站",
        "网站", "官方商城", "官方网店", "网上商城", "线上商城", "在线商城", "品牌官网",
        "网店", "电商", "pc", "pc端", "电脑端", "网页", "网页端", "h5", "移动网页", "m站",
        "webshop", "web shop", "web store", "webstore", "online shop", "online store",
        "e-shop", "eshop", "e-store", "estore", "e-commerce", "ecommerce", "own website",
        "brand website", "official website", "desktop web", "mobile web", "mobile site",
        "shopify", "woocommerce", "magento", "bigcommerce", "shopline", "shoplazza", "有赞",
        "youzan", "微店", "weidian",
    ),
    "store": (
        "store", "stores", "in store", "in-store", "instore", "shop", "retail", "retail store",
        "physical store", "brick and mortar", "brick & mortar", "bricks and mortar", "offline",
        "face to face", "face-to-face", "f2f", "walk-in", "walk in", "counter", "till",
        "pos", "point of sale", "point-of-sale", "outlet", "boutique", "branch", "showroom",
        "门店", "线下", "线下门店", "实体店", "店铺", "店面", "专卖店", "直营店", "加盟店",
        "专柜", "柜台", "商场", "门市", "到店", "店内", "面对面", "收银台", "营业厅",
        "网点", "营业网点", "支行", "分行", "体验店", "展厅",
    ),
    "phone": (
        "phone", "telephone", "tel", "call", "calls", "phone call", "call centre", "call center",
        "callcenter", "callcentre", "contact centre", "contact center", "hotline", "helpline",
        "telesales", "tele-sales", "phone order", "phone sales", "ivr", "inbound call",
        "outbound call", "电话", "热线", "电话热线", "400电话", "400热线", "400", "800电话",
        "客服热线", "客服电话", "服务热线", "呼叫中心", "电话中心", "电销", "电话销售",
        "电话订购", "电话下单", "语音", "来电", "致电",
    ),
    "email": (
        "email", "e-mail", "e mail", "mail", "emails", "edm", "newsletter", "邮件", "电子邮件",
        "邮箱", "电邮", "邮件营销",
    ),
    "sms": (
        "sms", "text", "text message", "texts", "mms", "短信", "短消息", "手机短信", "彩信",
    ),
    "other": (
        "other", "others", "misc", "miscellaneous", "其他", "其它", "其他渠道", "其它渠道",
    ),
}

# The names of marketplaces that mark a value as the marketplace when more text follows them
# ("天猫旗舰店", "京东自营店（北京）", "Amazon.co.uk", "Shopee SG"), as :func:`channel_key`s.
MARKETPLACE_PREFIXES = ("淘宝", "天猫", "京东", "拼多多", "唯品会", "苏宁", "抖音小店", "抖店",
                        "快手小店", "taobao", "tmall", "jdcom", "pinduoduo", "amazon", "ebay",
                        "lazada", "shopee", "aliexpress", "tiktokshop", "temu")

# spaces and the punctuation people put inside names (after NFKC: full-width is half-width)
_PUNCT = re.compile(r"[\s\-_./·•・,、:;'’\"“”()\[\]【】<>《》&+|!?*#~]+")


def channel_key(text) -> str:
    """The form names are compared in: NFKC (full-width to half-width), lower case, no spaces
    or punctuation.

    >>> channel_key(" Ｃａｌｌ－Ｃｅｎｔｒｅ "), channel_key("微信 小程序"), channel_key("e-Shop")
    ('callcentre', '微信小程序', 'eshop')
    """
    return _PUNCT.sub("", unicodedata.normalize("NFKC", str(text)).lower())


@functools.lru_cache(maxsize=64)
def _words(levels: tuple) -> dict:
    return {channel_key(w): lv for lv, words in CHANNEL_WORDS.items() if lv in levels
            for w in words}


def channel_code(text, levels, table: dict | None = None):
    """The channel level of ``text`` among ``levels`` (a name of :data:`CHANNEL_WORDS`, or a
    marketplace's name with more text after it), or None.

    ``table`` (``{channel_key: level}``) is looked up first: a mapping's own words.
    """
    key = channel_key(text)
    hit = (table or {}).get(key) or _words(tuple(levels)).get(key)
    if hit is None and "marketplace" in levels and key.startswith(MARKETPLACE_PREFIXES):
        hit = "marketplace"
    return hit


def vocabulary(levels) -> dict:
    """``{channel_key: level}`` of every name of :data:`CHANNEL_WORDS` whose level is one of
    ``levels``."""
    return _words(tuple(levels))


def keep_unknown(table, column: str):
    """``(level, raw column)`` when unknown values of ``column`` of ``table`` (a
    :class:`crm_training.schema.Table`) are kept (:data:`KEEP_UNKNOWN`), else None."""
    rule = KEEP_UNKNOWN.get(column)
    return rule if rule is not None and rule[1] in table.names else None


def column_words(codes: dict | None, table: str, column: str) -> dict:
    """A mapping's own words for one column: ``codes: {column: ...}`` (every table), then
    ``codes: {table: {column: ...}}``, which wins (see :func:`.mapping.load_mapping`)."""
    codes = codes or {}
    return {**codes.get("*", {}).get(column, {}), **codes.get(table, {}).get(column, {})}


def add_raw_columns(typed, rawm, table) -> None:
    """Put the client's text of every kept column (``channel``) in its raw column
    (``channel_raw``) of ``typed``, for every row that names one, unless the export maps a
    column of its own there."""
    from .parsing import parse_text

    for column, (_, raw) in KEEP_UNKNOWN.items():
        if column in rawm.columns and raw in table.names and raw not in typed.columns:
            typed[raw] = parse_text(rawm[column]).values
