"""Phrase banks for survey comments and ticket texts, in English and Simplified Chinese.

Texts are assembled from parts (an opening that carries the sentiment, a sentence about the
touchpoint or issue, an urgency phrase, a closing), so their sentiment and topic are known by
construction and recorded in ``truth["text_labels"]``. The parts combine into thousands of
distinct texts, enough for a classifier to have to generalise.
"""
from __future__ import annotations

SENTIMENTS = ("negative", "neutral", "positive")

COMMENT_OPENERS = {
    "en_US": {
        "negative": ["Really disappointed.", "Not happy at all.", "This was frustrating.",
                     "Terrible experience.", "Very poor.", "I expected much better."],
        "neutral": ["It was okay.", "Nothing special.", "Average experience.", "Fine, I guess.",
                    "It did the job.", "Neither good nor bad."],
        "positive": ["Great experience!", "Really happy.", "Excellent.", "Loved it.",
                     "Very satisfied.", "Fantastic service."],
    },
    "zh_CN": {
        "negative": ["非常失望。", "很不满意。", "体验太差了。", "让人很恼火。", "太糟糕了。", "和预期差很多。"],
        "neutral": ["还行吧。", "一般般。", "体验中规中矩。", "没什么特别的。", "基本能用。", "说不上好也说不上坏。"],
        "positive": ["体验很棒！", "非常满意。", "太好了。", "很喜欢。", "服务一流。", "超出预期。"],
    },
}

COMMENT_TOPICS = {  # schema.TOUCHPOINTS
    "en_US": {
        "website": {"negative": ["The website is confusing and I could not find what I needed.",
                                 "Search on the site gave useless results."],
                    "neutral": ["The website works but looks dated.",
                                "Found the product on the site after a while."],
                    "positive": ["The website is clear and I found everything quickly.",
                                 "Search on the site was spot on."]},
        "app": {"negative": ["The app keeps crashing.", "The app is slow and logs me out."],
                "neutral": ["The app is usable.", "The app does what it should."],
                "positive": ["The app is smooth and easy to use.", "Love the new app features."]},
        "store": {"negative": ["Staff in the store ignored me.", "Long queue in the store."],
                  "neutral": ["The store was busy but fine.", "Store visit was as usual."],
                  "positive": ["Staff in the store were friendly and helpful.",
                               "The store was tidy and welcoming."]},
        "checkout": {"negative": ["Payment failed twice at checkout.",
                                  "Checkout asks for too many details."],
                     "neutral": ["Checkout took a few steps.", "Paying was standard."],
                     "positive": ["Paying was quick and easy.", "Checkout took seconds."]},
        "delivery": {"negative": ["The delivery was late and the box was damaged.",
                                  "My parcel never arrived on time."],
                     "neutral": ["Delivery arrived within the stated window.",
                                 "The parcel came as expected."],
                     "positive": ["Delivery was faster than promised.",
                                  "The courier was on time and polite."]},
        "customer_service": {"negative": ["Customer service did not solve my problem.",
                                          "I waited ages on the hotline."],
                             "neutral": ["Customer service answered my question.",
                                         "The agent followed the script."],
                             "positive": ["The agent solved my issue right away.",
                                          "Customer service was kind and quick."]},
    },
    "zh_CN": {
        "website": {"negative": ["网站很乱，找不到需要的东西。", "网站搜索结果完全没用。"],
                    "neutral": ["网站能用，但是界面有点旧。", "花了点时间才在网站上找到商品。"],
                    "positive": ["网站清晰，很快就找到了想要的。", "网站搜索非常精准。"]},
        "app": {"negative": ["应用总是闪退。", "应用很卡，还经常自动退出登录。"],
                "neutral": ["应用可以正常使用。", "应用功能基本够用。"],
                "positive": ["应用流畅好用。", "很喜欢应用的新功能。"]},
        "store": {"negative": ["门店店员不理人。", "门店排队太久。"],
                  "neutral": ["门店人多，但还可以。", "门店体验和平时一样。"],
                  "positive": ["门店店员热情又专业。", "门店干净整洁，让人舒服。"]},
        "checkout": {"negative": ["结账时支付失败了两次。", "结账要填的信息太多。"],
                     "neutral": ["结账需要几个步骤。", "支付流程比较常规。"],
                     "positive": ["支付又快又方便。", "几秒钟就结完账了。"]},
        "delivery": {"negative": ["配送迟到了，包装还破了。", "包裹一直没有按时送到。"],
                     "neutral": ["在承诺的时间内送到了。", "包裹按预期送达。"],
                     "positive": ["配送比承诺的还快。", "快递员准时又有礼貌。"]},
        "customer_service": {"negative": ["客服没有解决我的问题。", "热线等了很久才接通。"],
                             "neutral": ["客服回答了我的问题。", "客服按流程处理了。"],
                             "positive": ["客服马上就解决了我的问题。", "客服态度好，效率高。"]},
    },
}

TICKET_OPENERS = {
    "en_US": {
        "negative": ["I am very unhappy:", "This is unacceptable:", "Third time I write about this:",
                     "Extremely frustrated:"],
        "neutral": ["Hello,", "Hi team,", "Quick question:", "Good morning,"],
        "positive": ["Thanks for the quick help last time.", "I love your service, one thing:",
                     "Great job so far,"],
    },
    "zh_CN": {
        "negative": ["我非常不满：", "这太不像话了：", "这是我第三次反映这个问题：", "实在太气人了："],
        "neutral": ["您好，", "你好，", "想咨询一下：", "早上好，"],
        "positive": ["上次谢谢你们的帮助。", "一直很喜欢你们的服务，有个小问题：", "你们做得很好，"],
    },
}

TICKET_ISSUES = {  # schema.TICKET_CATEGORIES
    "en_US": {
        "account": ["I cannot log in to my account.", "Please update the address on my account.",
                    "My password reset link does not work.", "How do I close my account?"],
        "billing": ["I was charged twice this month.", "My invoice shows a fee I do not recognise.",
                    "Why did my bill go up?", "Please send me a copy of my invoice."],
        "order": ["Where is my order?", "My order arrived incomplete.",
                  "Can I change the delivery date of my order?", "The order status has not changed."],
        "product": ["The product stopped working after a week.", "The item is not as described.",
                    "Is this product compatible with my model?", "The quality is worse than before."],
        "technical": ["The app shows an error when I pay.", "The website will not load my page.",
                      "I get a network error on every try.", "The system logs me out constantly."],
        "refund": ["I want a refund for my return.", "My refund has not arrived yet.",
                   "How long does a refund take?", "I returned the item but got no money back."],
    },
    "zh_CN": {
        "account": ["我登录不了账户。", "请帮我更新账户上的地址。", "重置密码的链接打不开。", "怎么注销账户？"],
        "billing": ["这个月被重复扣费了。", "账单上有一笔不认识的费用。", "为什么我的账单变多了？", "请把发票再发我一份。"],
        "order": ["我的订单到哪里了？", "订单收到的东西不全。", "可以改一下订单的送货时间吗？", "订单状态一直没有更新。"],
        "product": ["产品用了一周就坏了。", "商品和描述不符。", "这个产品和我的型号兼容吗？", "质量比以前差了。"],
        "technical": ["付款时应用报错。", "网站页面打不开。", "每次都提示网络错误。", "系统总是把我踢下线。"],
        "refund": ["我退货了，要求退款。", "退款一直没有到账。", "退款需要多长时间？", "东西退回去了但钱没退。"],
    },
}

URGENCY = {  # schema.PRIORITIES
    "en_US": {"low": ["No rush.", "Whenever you can.", ""], "medium": ["", "Please check."],
              "high": ["Please fix this soon.", "I need this sorted this week."],
              "urgent": ["URGENT: I need this fixed today!", "This is urgent, please call me now."]},
    "zh_CN": {"low": ["不着急。", "有空再处理就行。", ""], "medium": ["", "请帮忙看一下。"],
              "high": ["请尽快处理。", "这周内必须解决。"],
              "urgent": ["紧急！今天必须解决！", "非常紧急，请马上联系我。"]},
}

CONTACT_PHRASE = {"en_US": "You can reach me at", "zh_CN": "请联系我："}
