"""Reference data of the statistics.

`cn_holidays.csv` (`date,kind,name`; kind 休 = public holiday, 班 = adjusted working day on a weekend):
China's public holidays and adjusted working days 2019–2026 as the State Council General Office's yearly
notices set them (国务院办公厅关于××年部分节假日安排的通知), taken from the `chinese-calendar` 1.11.0
package (MIT), which transcribes those notices. 2027 holds only the statutory days of 《全国年节及纪念日放假
办法》 (2024 revision: 元旦 1, 春节 4 from 除夕, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆节 3), because the
2027 notice with its bridging days and adjusted Saturdays was not yet published: add its rows when it is.
"""
