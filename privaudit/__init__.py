"""privaudit: audit Android apps against Method 191 (App违法违规收集使用个人信息行为认定方法)."""

__version__ = "0.1.0"
