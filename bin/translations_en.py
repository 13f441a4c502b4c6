"""English for the Chinese UI msgids: bin/update_translations fills locale/en/LC_MESSAGES/django.po
from this dictionary (msgid -> msgstr; a tuple holds the singular and plural forms).

Add the new msgids the script reports as missing; keep the placeholders (%(name)s, {name}) exactly.
Terms: 信访 petition, 信访件 petition case, 分流 triage, 交办 assign, 转办 transfer, 督办 supervise /
supervision order, 批示 instruction, 复查 review, 复核 re-review, 不予受理 not accepted, 不再受理 not
accepted again, 办结 concluded, 归档 archived, 承办人 handler, 查询码 query code.
"""

EN = {}

# accounts/ and the navigation
EN.update({
    "机构与用户": "Organizations and users",
    "首页": "Home",
    "来访登记": "Visit registration",
    "来信登记": "Letter registration",
    "上级交办": "Assigned from above",
    "分流池": "Triage pool",
    "审核办理": "Reviews and approvals",
    "待批示": "Awaiting instruction",
    "领导批示": "Leader instructions",
    "我的信访": "My cases",
    "督查督办": "Supervision",
    "信访查询": "Petition search",
    "办结存档": "Concluded and archived",
    "分析图表": "Charts",
    "生成报表": "Reports",
    "用户管理": "Users",
    "角色管理": "Roles",
    "机构管理": "Organizations",
    "基础字典": "Dictionaries",
    "审计日志": "Audit log",
    "用户名": "Username",
    "密码": "Password",
    "原密码": "Current password",
    "新密码": "New password",
    "至少10位，包含大写字母、小写字母、数字、特殊符号中的至少3类。":
        "At least 10 characters, using at least 3 of: upper-case letters, lower-case letters, digits, symbols.",
    "确认新密码": "Confirm new password",
    "两次输入的新密码不一致。": "The two new passwords do not match.",
    "姓名": "Name",
    "联系电话": "Phone",
    "电子邮件": "Email",
    "用户名只能包含字母、数字和 _ . @ + -。": "Usernames may contain only letters, digits and _ . @ + -.",
    "所属机构": "Organization",
    "职务": "Position",
    "角色": "Roles",
    "初始密码": "Initial password",
    "至少10位，包含大写字母、小写字母、数字、特殊符号中的至少3类；用户首次登录时须修改。":
        "At least 10 characters, using at least 3 of: upper-case letters, lower-case letters, digits, symbols. "
        "The user must change it at first login.",
    "启用": "Active",
    "临时密码": "Temporary password",
    "至少10位，包含大写字母、小写字母、数字、特殊符号中的至少3类；用户下次登录时须修改。":
        "At least 10 characters, using at least 3 of: upper-case letters, lower-case letters, digits, symbols. "
        "The user must change it at next login.",
    "角色名称": "Role name",
    "权限": "Permissions",
    "机构代码": "Organization code",
    "机构代码只能包含数字和字母。": "The organization code may contain only digits and letters.",
    "名称": "Name",
    "简称": "Short name",
    "类型": "Type",
    "上级机构": "Parent organization",
    "行政区划代码": "Administrative division code",
    "排序": "Order",
    "起始日期": "From",
    "截止日期": "To",
    "账号": "Account",
    "事件": "Event",
    "结果": "Result",
    "全部": "All",
    "成功": "Succeeded",
    "失败": "Failed",
    "长时间未操作，已自动退出，请重新登录。": "You were logged out after a period of inactivity. Please log in again.",
    "州": "Prefecture",
    "县/市": "County/city",
    "乡/镇/街道": "Township/town/subdistrict",
    "信访工作机构": "Petition bureau",
    "职能部门": "Functional department",
    "路径": "Path",
    "层级": "Level",
    "机构": "Organization",
    "管理机构": "Manage organizations",
    "已锁定": "Locked",
    "须修改密码": "Must change password",
    "密码修改时间": "Password changed at",
    "用户": "User",
    "管理用户": "Manage users",
    "管理角色与权限": "Manage roles and permissions",
    "三员：系统管理员": "Separation of duties: system administrator",
    "三员：安全管理员": "Separation of duties: security administrator",
    "三员：安全审计员": "Separation of duties: security auditor",
    "来源地址": "Source address",
    "时间": "Time",
    "登录尝试": "Login attempt",
    "操作人": "Operator",
    "操作人机构": "Operator's organization",
    "对象类型": "Object type",
    "对象": "Object",
    "摘要": "Summary",
    "详情": "Details",
    "查看审计日志": "View audit log",
    "审计链头": "Audit chain head",
    "标题": "Title",
    "内容": "Content",
    "链接": "Link",
    "到期时间": "Due",
    "已读": "Read",
    "创建时间": "Created",
    "提醒": "Reminder",
    "系统管理员": "System administrator",
    "安全管理员": "Security administrator",
    "安全审计员": "Security auditor",
    "您没有执行此操作的权限。": "You do not have permission to do this.",
    "下级机构数量已达上限。": "The maximum number of subordinate organizations has been reached.",
    "机构代码“%(code)s”已存在。": "Organization code “%(code)s” already exists.",
    "新增机构 %(name)s": "Created organization %(name)s",
    "修改机构 %(name)s": "Changed organization %(name)s",
    "该机构下还有用户，不能删除；请先调整用户所属机构或停用该机构。":
        "This organization still has users and cannot be deleted. Move its users to another organization "
        "or deactivate it.",
    "该机构还有下级机构，不能删除。": "This organization has subordinate organizations and cannot be deleted.",
    "该机构已被信访件等数据引用，不能删除；请停用该机构。":
        "This organization is referenced by petition cases or other records and cannot be deleted. "
        "Deactivate it instead.",
    "删除机构 %(name)s": "Deleted organization %(name)s",
    "系统管理员、安全管理员、安全审计员三种管理角色不能由同一账号兼任（所选：%(names)s）。":
        "One account cannot hold more than one of the system administrator, security administrator and "
        "security auditor roles (selected: %(names)s).",
    "管理员角色不能与业务角色（登记、分流、办理、统计等）兼任。":
        "Administrator roles cannot be combined with business roles (registration, triage, handling, "
        "statistics, etc.).",
    "一个角色不能同时包含两种三员管理权限。":
        "A role cannot contain two of the separated administration permissions.",
    "管理员角色不能包含业务权限。": "Administrator roles cannot contain business permissions.",
    "请填写角色名称。": "Enter a role name.",
    "角色“%(name)s”已存在。": "Role “%(name)s” already exists.",
    "用户 %(u)s 持有该角色，修改后其角色组合将违反三员分立规定：%(reason)s":
        "User %(u)s holds this role; after the change their roles would break the separation of duties: "
        "%(reason)s",
    "保存角色 %(name)s": "Saved role %(name)s",
    "该角色仍有用户，不能删除。": "This role is still assigned to users and cannot be deleted.",
    "删除角色 %(name)s": "Deleted role %(name)s",
    "用户名“%(u)s”已被使用。": "Username “%(u)s” is already taken.",
    "新增用户 %(u)s": "Created user %(u)s",
    "不能停用自己的账号。": "You cannot deactivate your own account.",
    "修改用户 %(u)s": "Changed user %(u)s",
    "不能锁定自己的账号。": "You cannot lock your own account.",
    "锁定用户 %(u)s": "Locked user %(u)s",
    "解锁用户 %(u)s": "Unlocked user %(u)s",
    "重置用户 %(u)s 的密码": "Reset the password of user %(u)s",
    "修改个人资料": "Changed own profile",
    "原密码不正确。": "The current password is incorrect.",
    "新密码不能与原密码相同。": "The new password must differ from the current one.",
    "修改密码": "Change password",
    "登录失败：用户名或密码错误，或账号已停用、锁定": "Login failed: wrong username or password, or the account is inactive or locked",
    "登录被拒绝：账号因多次失败已锁定": "Login refused: account locked after repeated failures",
    "登录被拒绝：来源地址因多次失败已锁定": "Login refused: source address blocked after repeated failures",
    "退出登录": "Logged out",
    "长时间未操作，自动退出": "Logged out after inactivity",
    "登录成功": "Logged in",
    "登录失败": "Login failed",
    "密码须包含大写字母、小写字母、数字、特殊符号中的至少%(n)d类。":
        "The password must use at least %(n)d of: upper-case letters, lower-case letters, digits, symbols.",
    "密码长度至少为%(n)d位。": "The password must be at least %(n)d characters long.",
    "登录失败次数过多，账号已被锁定，请于%(time)s后再试，或联系系统管理员解锁。":
        "Too many failed logins: the account is locked. Try again after %(time)s or ask the system "
        "administrator to unlock it.",
    "该地址登录失败次数过多，已暂停从此地址登录，请于%(time)s后再试。":
        "Too many failed logins from this address: logins from it are suspended. Try again after %(time)s.",
    "用户名或密码错误，或账号已被停用、锁定。还可尝试%(n)d次。":
        "Wrong username or password, or the account is inactive or locked. %(n)d attempts left.",
    "首次登录或密码已被重置，请先修改密码。":
        "This is your first login or your password was reset. Please change your password first.",
    "您已安全退出。": "You have been logged out.",
    "个人资料已保存。": "Profile saved.",
    "个人资料": "Profile",
    "密码已修改。": "Password changed.",
    "用户 %(u)s 已创建，首次登录须修改密码。": "User %(u)s created; they must change the password at first login.",
    "新增用户": "New user",
    "用户 %(u)s 已保存。": "User %(u)s saved.",
    "已锁定用户 %(u)s。": "User %(u)s locked.",
    "已解锁用户 %(u)s。": "User %(u)s unlocked.",
    "已重置用户 %(u)s 的密码，下次登录须修改。":
        "Password of user %(u)s reset; it must be changed at next login.",
    "请填写临时密码。": "Enter a temporary password.",
    "角色 %(n)s 已保存。": "Role %(n)s saved.",
    "新增角色": "New role",
    "机构 %(n)s 已保存。": "Organization %(n)s saved.",
    "新增机构": "New organization",
    "机构已删除。": "Organization deleted.",
    "信访信息业务处理系统": "Petition Case Handling System",
})

# petitions/
EN.update({
    "信访业务": "Petitions",
    "待受理": "Awaiting acceptance",
    "待审核/待审批": "Awaiting review/approval",
    "督办及超期": "Supervised and overdue",
    "已超期": "Overdue",
    "即将到期": "Due soon",
    "登记": "Register",
    "当面答复": "Answered in person",
    "超期": "Overdue",
    "匿名": "Anonymous",
    "信访件编号": "Case number",
    "状态": "Status",
    "信访形式": "Channel",
    "登记机构": "Registering organization",
    "登记时间": "Registered at",
    "信访日期": "Petition date",
    "信访目的": "Purpose",
    "所属问题": "Issue category",
    "问题属地": "Issue location",
    "受理期限": "Acceptance deadline",
    "办理期限": "Handling deadline",
    "当前期限": "Current deadline",
    "受理时间": "Accepted at",
    "答复时间": "Answered at",
    "办结时间": "Concluded at",
    "督办": "Supervision",
    "是": "Yes",
    "否": "No",
    "保密": "Confidential",
    "处理意见": "Handling opinion",
    "反映问题及诉求": "Issues and requests",
    "答复意见": "Reply",
    "主办": "Lead",
    "协办": "Assisting",
    "信访件": "Petition case",
    "信访件 %(number)s": "Petition case %(number)s",
    "导出时间：%(time)s": "Exported at: %(time)s",
    "信访人": "Petitioner",
    "性别": "Sex",
    "年龄": "Age",
    "证件号码": "ID number",
    "地址": "Address",
})

EN.update({
    "交办记录": "Assignments",
    "承办单位": "Handling unit",
    "方式": "Type",
    "主办/协办": "Lead/assisting",
    "处理记录": "Handling record",
    "操作": "Action",
    "状态变化": "Status change",
    "操作人（机构）": "Operator (organization)",
    "意见": "Opinion",
    "字典": "Dictionary",
    "代码": "Code",
    "代码只能包含字母、数字和 _ . -。": "Codes may contain only letters, digits and _ . -.",
    "上级": "Parent",
    "（无，作为一级）": "(none: top level)",
    "说明": "Description",
    "一次最多上传 %(n)d 个附件。": "You can upload at most %(n)d attachments at a time.",
    "民族": "Ethnicity",
    "证件类型": "ID type",
    "身份证号": "ID number",
    "文化程度": "Education",
    "政治面貌": "Political affiliation",
    "单位": "Unit",
    "信访人或代表最多登记5人；集体访推选的代表不得超过5人（《信访工作条例》第二十条）。":
        "Register at most 5 petitioners or representatives; a collective visit may elect no more than "
        "5 representatives (Regulations on Petition Work, Art. 20).",
    "反映问题及诉求不能为空。": "Enter the issues and requests.",
    "概况": "Summary",
    "留空则取反映问题的前60个字。": "Leave blank to use the first 60 characters of the issues.",
    "责任单位": "Responsible unit",
    "责任人": "Responsible person",
    "是否重访": "Repeat petition",
    "初访编号": "First petition number",
    "可在上方“可能的重复信访”中点“标记为重访”自动填入。":
        "Click “Mark as repeat” under “Possible repeat petitions” above to fill this in.",
    "保密（检举揭发）": "Confidential (report of misconduct)",
    "检举揭发公职人员的信访件：仅登记人和被授权人员可见，不得交给被检举单位。":
        "A petition reporting misconduct by public officials: visible only to the clerk who registered it "
        "and authorized staff, and never sent to the reported unit.",
    "被检举单位": "Reported unit",
    "上传附件": "Upload attachments",
    "“当面答复并办结”时必填：信访人在窗口当场接受的答复。":
        "Required for “Answer in person and conclude”: the answer the petitioner accepted at the counter.",
    "扫描件、照片、PDF、Word/Excel 文档或文本，可多选；单个不超过 %(mb)d MB。":
        "Scans, photos, PDF, Word/Excel documents or text; several files allowed, each up to %(mb)d MB.",
    "信访日期不能晚于今天。": "The petition date cannot be later than today.",
    "初访编号不存在，或您无权查看该信访件。":
        "No petition case has this first petition number, or you may not view it.",
    "请填写初访编号，或取消“是否重访”。": "Enter the first petition number, or untick “Repeat petition”.",
    "被检举单位只在保密（检举揭发）件中填写。":
        "Fill in the reported unit only for confidential (report of misconduct) cases.",
    "当面答复须填写答复意见。": "An answer in person needs the reply text.",
    "来访性质": "Nature of visit",
    "来访人数": "Number of visitors",
    "上访层次": "Petition level",
    "异常行为": "Abnormal behaviour",
    "来信性质": "Nature of letter",
    "来信人数": "Number of signatories",
    "收信时间": "Received at",
    "附件": "Attachments",
    "登记来源": "Source",
    "收信时间不能晚于今天。": "The date received cannot be later than today.",
    "上级交办号": "Higher-level assignment number",
    "交办人": "Assigned by",
    "交办人职务": "Assigner's position",
    "交办单位": "Assigning unit",
    "请填写信访人姓名。": "Enter the petitioner's name.",
    "请至少填写一名信访人（匿名信除外）。": "Enter at least one petitioner (except for anonymous letters).",
    "登记日期从": "Registered from",
    "至": "to",
    "集体访/联名信": "Collective visit/joint letter",
    "仅看已超期": "Overdue only",
    "不填则为受理之日起60日": "If blank: 60 days from acceptance",
    "请至少选择一个承办单位。": "Select at least one handling unit.",
    "只能指定一个主办单位。": "Only one lead unit can be chosen.",
    "同一单位只能选择一次。": "Each unit can be chosen only once.",
    "呈报领导": "Submit to leader",
    "批示期限": "Instruction deadline",
    "由领导直接交办（在下方选择承办单位）": "Leader assigns directly (choose handling units below)",
    "本单位收到的交办": "Assignment received by this unit",
    "不予受理理由": "Reason for not accepting",
    "告知信访人的途径": "Channel advised to the petitioner",
    "如：向人民法院提起诉讼、申请仲裁或行政复议，或向有权机关提出":
        "E.g. file a lawsuit with a people's court, apply for arbitration or administrative reconsideration, "
        "or apply to the competent authority",
    "延期天数": "Extension (days)",
    "最多30日，每件仅可延期一次": "Up to 30 days; a case can be extended only once",
    "延期申请": "Extension request",
    "%(org)s 申请延期%(days)d天：%(reason)s": "%(org)s requests a %(days)d-day extension: %(reason)s",
    "退回单位": "Return to unit",
    "全部上报单位": "All reporting units",
    "结论": "Conclusion",
    "办结分类": "Conclusion category",
    "所属单位": "Unit",
    "区域": "Area",
    "同时归档": "Archive as well",
    "复查、复核申请期限未满时只能办结，不能归档":
        "While the review or re-review request period is open, the case can be concluded but not archived",
    "督办期限": "Supervision deadline",
    "来访": "Visit",
    "来信": "Letter",
    "电话": "Phone",
    "传真": "Fax",
    "网上信访": "Online petition",
    "支持": "Supported",
    "部分支持": "Partly supported",
    "不支持": "Not supported",
    "解释说明": "Explained",
    "年度": "Year",
    "序号": "No.",
    "查询码": "Query code",
    "登记人": "Registered by",
    "越级": "Skip-level",
    "归档时间": "Archived at",
    "当前所在机构": "Current organization",
    "责任信访机构": "Responsible petition bureau",
    "公开答复": "Public reply",
    "公开答复时间": "Public reply at",
    "登记信访件": "Register petition cases",
    "分流、交办、审核、办结归档": "Triage, assign, review, conclude and archive",
    "承办：受理、延期、上报结果": "Handle: accept, extend, report results",
    "查看完整证件号码和电话": "View full ID and phone numbers",
    "导出信访件": "Export petition cases",
    "居民身份证": "Resident ID card",
    "港澳台居民居住证": "Residence permit for Hong Kong, Macao and Taiwan residents",
    "护照": "Passport",
    "其他证件": "Other ID",
    "男": "Male",
    "女": "Female",
    "代表": "Representative",
    "文件名": "File name",
    "大小": "Size",
    "SHA-256": "SHA-256",
    "附件类型": "Attachment type",
    "级别": "Level",
    "字典项": "Dictionary entry",
    "管理基础字典": "Manage dictionaries",
    "交办": "Assign",
    "转办": "Transfer",
    "办理中": "In progress",
    "已转交下级": "Passed to lower level",
    "已上报": "Reported",
    "已审核": "Reviewed",
    "已退回": "Returned",
    "已撤销": "Withdrawn",
    "上报时间": "Reported at",
    "办理结果": "Handling result",
    "交办意见": "Assignment note",
    "原状态": "Old status",
    "新状态": "New status",
    "操作机构": "Acting organization",
    "目标机构": "Target organization",
    "目标人员": "Target person",
    "期限": "Deadline",
    "督办要求": "Supervision requirements",
    "解除时间": "Lifted at",
    "待审批": "Pending approval",
    "已批准": "Approved",
    "未批准": "Rejected",
    "延期理由": "Reason for extension",
    "复查": "Review",
    "复核": "Re-review",
    "类别": "Category",
    "复查（复核）机关": "Reviewing (re-reviewing) authority",
    "请求理由": "Grounds",
    "请求时间": "Requested at",
    "复查复核": "Review and re-review",
    "信访部门": "Petition bureau",
    "满意": "Satisfied",
    "基本满意": "Mostly satisfied",
    "不满意": "Dissatisfied",
    "评价对象": "Evaluated unit",
    "评价": "Rating",
    "评价内容": "Comments",
    "评价时间": "Evaluated at",
    "满意度评价": "Satisfaction rating",
    "查阅记录": "Access log",
    "该信访件不在您的管辖范围内。": "This petition case is outside your jurisdiction.",
    "该信访件由%(org)s持有，您所在机构不能处理。":
        "This petition case is held by %(org)s; your organization cannot act on it.",
    "该事项已经复核终结，同一事项再次信访只能作不再受理处理。":
        "This matter was closed by re-review; a new petition on the same matter can only be marked "
        "not accepted again.",
    "该信访件未呈报给您，也不在您的管辖范围内。":
        "This petition case was not submitted to you and is outside your jurisdiction.",
    "只有收到交办（转办）且尚未受理的信访工作机构才能继续交办或转办。":
        "Only a petition bureau that received the assignment (transfer) and has not accepted it can assign "
        "or transfer it further.",
    "不再受理只适用于已关联初访件的重复信访（同一事项已经复核）。":
        "“Not accepted again” applies only to repeat petitions linked to a first petition (the same matter "
        "has been re-reviewed).",
    "本单位已受理该信访件。": "Your unit has already accepted this petition case.",
    "该信访件没有交给您所在单位受理。": "This petition case was not sent to your unit.",
    "只有尚未受理的承办单位才能退回。": "Only a handling unit that has not yet accepted the case can return it.",
    "只有已受理该件的承办单位才能申请延期。": "Only a handling unit that accepted the case can request an extension.",
    "该件已延期一次，不能再次延期。": "This case was already extended once and cannot be extended again.",
    "已有待审批的延期申请。": "An extension request is already pending.",
    "没有需要您所在单位审批的延期申请。": "No extension request is waiting for your unit's approval.",
    "只有已受理该件的承办单位才能上报结果。": "Only a handling unit that accepted the case can report a result.",
    "没有需要您所在单位审核的办理结果。": "No handling result is waiting for your unit's review.",
    "该件当前不能提出%(what)s申请。": "No request for %(what)s can be made for this case now.",
    "%(what)s申请期限已于%(end)s届满（答复之日起30日内）。":
        "The period to request %(what)s ended on %(end)s (30 days from the reply).",
    "该件的%(what)s由%(org)s办理。": "The %(what)s of this case is handled by %(org)s.",
    "信访人可在%(end)s前申请%(what)s，期满后方可归档。":
        "The petitioner may request %(what)s until %(end)s; the case can be archived after that.",
    "保密（检举揭发）件不得公开答复。": "Confidential (report of misconduct) cases cannot be answered publicly.",
    "您没有“%(label)s”的权限。": "You do not have the “%(label)s” permission.",
    "导出Excel": "Export to Excel",
    "已办结": "Concluded",
    "待审核结果": "Results awaiting review",
    "相关度": "Relevance",
    "命中较多，已按登记时间排序；增加关键词或查询条件后可按相关度排序。":
        "Many matches, so they are sorted by registration time; add keywords or criteria to sort by relevance.",
    "登记时间（新→旧）": "Registered (newest first)",
    "登记时间（旧→新）": "Registered (oldest first)",
    "当前期限（近→远）": "Current deadline (soonest first)",
    "不限": "Any",
    "信访人姓名": "Petitioner name",
    "完整号码，精确匹配": "Full number, exact match",
    "内容关键词": "Content keywords",
    "多个词用空格分隔，须同时包含": "Separate words with spaces; all must occur",
    "登记日期自": "Registered from",
    "含下级分类": "Includes subcategories",
    "在该机构及下级登记或交办到该机构及下级的": "Registered at or assigned to this organization or its subordinates",
    "督办件": "Supervised cases",
    "关键词最多%(max)d个。": "At most %(max)d keywords.",
    "结束日期不能早于开始日期。": "The end date cannot be earlier than the start date.",
    "时间类型": "Date type",
    "时间自": "From",
    "压缩包内文件数量异常，已拒收。": "The archive contains an abnormal number of files and was rejected.",
    "文件解压后体积异常（疑似压缩炸弹），已拒收。":
        "The file expands to an abnormal size (suspected zip bomb) and was rejected.",
    "“%(name)s”的文件类型不允许，只接受 %(types)s。":
        "The file type of “%(name)s” is not allowed; accepted types: %(types)s.",
    "“%(name)s”是空文件。": "“%(name)s” is empty.",
    "“%(name)s”超过单个附件大小上限 %(limit)s。": "“%(name)s” exceeds the attachment size limit of %(limit)s.",
    "“%(name)s”：%(reason)s": "“%(name)s”: %(reason)s",
    "“%(name)s”的内容与扩展名 .%(ext)s 不符（文件可能已损坏或被改名），已拒收。":
        "The content of “%(name)s” does not match its .%(ext)s extension (the file may be damaged or "
        "renamed) and was rejected.",
    "分流受理期限": "Triage deadline",
    "领导批示期限": "Leader instruction deadline",
    "复查期限": "Review deadline",
    "复核期限": "Re-review deadline",
    "%(name)s已于%(due)s届满。": "%(name)s expired on %(due)s.",
    "【已超期】%(number)s %(name)s（%(due)s）": "[Overdue] %(number)s %(name)s (%(due)s)",
    "【即将到期】%(number)s %(name)s（%(due)s）": "[Due soon] %(number)s %(name)s (%(due)s)",
    "您没有管理基础字典的权限。": "You do not have permission to manage dictionaries.",
    "下级字典项": "Child entries",
})

EN.update({
    "该字典不是树形结构，不能设置上级。": "This dictionary is not a tree; entries cannot have a parent.",
    "上级必须属于同一字典。": "The parent must belong to the same dictionary.",
    "不能把字典项移到它自己或它的下级之下。": "An entry cannot be moved under itself or one of its children.",
    "所属问题最多分%(n)d级。": "Issue categories can have at most %(n)d levels.",
    "未知的字典类别。": "Unknown dictionary.",
    "请填写代码。": "Enter a code.",
    "请填写名称。": "Enter a name.",
    "字典项不能移到其他字典。": "An entry cannot be moved to another dictionary.",
    "代码“%(code)s”在该字典中已存在。": "Code “%(code)s” already exists in this dictionary.",
    "新增字典项 %(kind)s：%(name)s": "Created dictionary entry %(kind)s: %(name)s",
    "修改字典项 %(kind)s：%(name)s": "Changed dictionary entry %(kind)s: %(name)s",
    "上级“%(name)s”已停用，请先启用上级。": "The parent “%(name)s” is inactive; activate it first.",
    "启用字典项 %(kind)s：%(name)s": "Activated dictionary entry %(kind)s: %(name)s",
    "停用字典项 %(kind)s：%(name)s": "Deactivated dictionary entry %(kind)s: %(name)s",
    "其他数据": "other records",
    "删除字典项 %(kind)s：%(name)s": "Deleted dictionary entry %(kind)s: %(name)s",
    "字典项“%(name)s”已删除。": "Dictionary entry “%(name)s” deleted.",
    "字典项“%(name)s”已被%(used_by)s引用，不能删除；它已处于停用状态。":
        "Dictionary entry “%(name)s” is used by %(used_by)s and cannot be deleted; it is already inactive.",
    "字典项“%(name)s”已被%(used_by)s引用，不能删除，已改为停用（其%(n)d个下级项一并停用）。":
        "Dictionary entry “%(name)s” is used by %(used_by)s and cannot be deleted; it was deactivated "
        "instead, together with its %(n)d child entries.",
    "字典项“%(name)s”已被%(used_by)s引用，不能删除，已改为停用。":
        "Dictionary entry “%(name)s” is used by %(used_by)s and cannot be deleted; it was deactivated instead.",
    "身份证号应为18位。": "The ID number must have 18 characters.",
    "身份证号前17位应为数字，最后一位为数字或X。":
        "The first 17 characters of the ID number must be digits, the last a digit or X.",
    "身份证号的地址码（前6位）无效。": "The region code of the ID number (first 6 digits) is invalid.",
    "身份证号中的出生日期不是有效日期。": "The date of birth in the ID number is not a valid date.",
    "身份证号中的出生日期晚于今天。": "The date of birth in the ID number is later than today.",
    "身份证号校验位不正确，请核对。": "The check digit of the ID number is wrong; please check the number.",
    "性别与身份证号不符：按身份证号应为%(sex)s。": "Sex does not match the ID number, which gives %(sex)s.",
    "年龄与身份证号不符：按身份证号应为%(age)d岁。": "Age does not match the ID number, which gives %(age)d.",
    "集体访推选的代表不得超过%(max)d人（《信访工作条例》第二十条）。":
        "A collective visit may elect no more than %(max)d representatives (Regulations on Petition Work, "
        "Art. 20).",
    "来访人数（%(count)d人）不能少于代表人数（%(reps)d人）。":
        "The number of visitors (%(count)d) cannot be less than the number of representatives (%(reps)d).",
    "来访人数（%(count)d人）不能少于登记的信访人数（%(reps)d人）。":
        "The number of visitors (%(count)d) cannot be less than the number of registered petitioners "
        "(%(reps)d).",
    "来信人数（%(count)d人）不能少于登记的信访人数（%(reps)d人）。":
        "The number of signatories (%(count)d) cannot be less than the number of registered petitioners "
        "(%(reps)d).",
    "表单已失效，请刷新页面后重新登记。": "The form has expired. Reload the page and register again.",
    "所选项目不属于“%(kind)s”字典。": "The selected item is not in the “%(kind)s” dictionary.",
    "信访形式无效。": "Invalid channel.",
    "人数至少为1。": "The number of people must be at least 1.",
    "一次最多登记%(max)d名信访人或代表。": "At most %(max)d petitioners or representatives can be registered at once.",
    "您没有登记信访件的权限。": "You do not have permission to register petition cases.",
    "您的账号未分配机构，不能登记信访件。":
        "Your account has no organization, so you cannot register petition cases.",
    "未知的操作。": "Unknown action.",
    "该信访件当前状态为“%(status)s”，不能%(action)s。":
        "This petition case is “%(status)s”; “%(action)s” is not possible.",
    "请填写%(label)s。": "Fill in “%(label)s”.",
    "%(label)s格式不正确。": "“%(label)s” is not in a valid format.",
    "%(label)s须晚于今天。": "“%(label)s” must be later than today.",
    "%(label)s不能超过%(days)d天。": "“%(label)s” cannot be more than %(days)d days away.",
    "请选择%(label)s。": "Select “%(label)s”.",
    "请选择本级管辖范围内的%(label)s。": "Select “%(label)s” within your jurisdiction.",
    "请选择本级管辖范围内的领导。": "Select a leader within your jurisdiction.",
    "请批示：%(number)s（期限 %(due)s）": "Instruction requested: %(number)s (due %(due)s)",
    "领导已批示：%(number)s": "Leader instruction given: %(number)s",
    "一次最多交给%(n)d个单位。": "A case can be sent to at most %(n)d units at once.",
    "承办单位不存在或已停用。": "The handling unit does not exist or is inactive.",
    "“%(org)s”不是本级管辖范围内的下级机构或部门。":
        "“%(org)s” is not a subordinate organization or department within your jurisdiction.",
    "保密（检举揭发）件不得交给被检举单位“%(accused)s”或其下级机构：%(org)s。":
        "A confidential (report of misconduct) case cannot be sent to the reported unit “%(accused)s” or its "
        "subordinates: %(org)s.",
    "“%(org)s”已在承办单位中。": "“%(org)s” is already a handling unit.",
    "“%(org)s”的办理期限": "handling deadline of “%(org)s”",
    "新%(kind)s件：%(number)s（受理期限 %(due)s）": "New case (%(kind)s): %(number)s (accept by %(due)s)",
    "请选择要继续交办的交办记录。": "Select the assignment to pass on.",
    "请填写告知信访人的途径（如向人民法院提起诉讼、申请仲裁或行政复议）。":
        "Enter the channel advised to the petitioner (e.g. a lawsuit in a people's court, arbitration or "
        "administrative reconsideration).",
    "不予受理：%(reason)s。告知途径：%(channel)s": "Not accepted: %(reason)s. Channel advised: %(channel)s",
    "不再受理：%(reason)s": "Not accepted again: %(reason)s",
    "请选择要受理的交办记录。": "Select the assignment to accept.",
    "请选择要退回的交办记录。": "Select the assignment to return.",
    "%(org)s退回：%(number)s": "Returned by %(org)s: %(number)s",
    "请选择要延期的交办记录。": "Select the assignment to extend.",
    "请填写延期天数。": "Enter the number of extension days.",
    "延期天数须在1至%(max)d天之间（《信访工作条例》第三十四条）。":
        "The extension must be between 1 and %(max)d days (Regulations on Petition Work, Art. 34).",
    "延期申请待审批：%(number)s（%(days)d天）": "Extension request awaiting approval: %(number)s (%(days)d days)",
    "请选择要审批的延期申请。": "Select the extension request to decide.",
    "延期申请已批准：%(number)s": "Extension approved: %(number)s",
    "延期申请未批准：%(number)s": "Extension rejected: %(number)s",
    "请选择要上报结果的交办记录。": "Select the assignment to report a result for.",
    "请选择处理意见。": "Select a handling opinion.",
    "办理结果待审核：%(number)s": "Handling result awaiting review: %(number)s",
    "请选择要审核的办理结果。": "Select the handling result to review.",
    "办理结果已审核通过：%(number)s": "Handling result approved: %(number)s",
    "请选择要退回重办的单位。": "Select the unit to send back for rework.",
    "退回重办：%(number)s": "Sent back for rework: %(number)s",
    "%(org)s在本系统内没有上一级机关，请告知信访人向上一级机关提出。":
        "%(org)s has no higher authority in this system; advise the petitioner to apply to the higher "
        "authority directly.",
    "%(what)s申请待办理：%(number)s（期限 %(due)s）": "Request for %(what)s to handle: %(number)s (due %(due)s)",
    "维持原处理意见": "Upheld",
    "变更原处理意见": "Changed",
    "撤销原处理意见": "Revoked",
    "请选择结论。": "Select a conclusion.",
    "信访人可在%(end)s前申请%(what)s，期满前只能办结，不能归档。":
        "The petitioner may request %(what)s until %(end)s; until then the case can be concluded but not "
        "archived.",
    "督办：%(number)s，请于%(due)s前办理并反馈": "Supervision order: %(number)s. Handle it and report back by %(due)s",
    "同一身份证号": "Same ID number",
    "同一姓名和电话": "Same name and phone",
    "同一问题属地内容相似（%(pct)d%%）": "Similar content, same issue location (%(pct)d%%)",
    "该件已被督办": "This case is under a supervision order",
    "您当前不能对该信访件执行“%(label)s”。": "You cannot perform “%(label)s” on this petition case now.",
    "已%(label)s：%(number)s": "Done: %(label)s, %(number)s",
    "字典项“%(name)s”已保存。": "Dictionary entry “%(name)s” saved.",
    "编辑字典项": "Edit dictionary entry",
    "新增字典项": "New dictionary entry",
    "字典项“%(name)s”已启用。": "Dictionary entry “%(name)s” activated.",
    "字典项“%(name)s”已停用。": "Dictionary entry “%(name)s” deactivated.",
    "该登记已保存过（重复提交），未重复登记：信访件编号 %(number)s。":
        "This registration was already saved (submitted twice) and was not registered again: case number "
        "%(number)s.",
    "已当面答复并办结：信访件编号 %(number)s，查询码 %(code)s。":
        "Answered in person and concluded: case number %(number)s, query code %(code)s.",
    "已登记并进入分流池：信访件编号 %(number)s，查询码 %(code)s。":
        "Registered and sent to the triage pool: case number %(number)s, query code %(code)s.",
    "导出单位：%(org)s\u3000导出人：%(user)s\u3000查询条件：%(criteria)s":
        "Exported by unit: %(org)s   Exported by: %(user)s   Criteria: %(criteria)s",
    "无": "None",
    "共 %%(count)s 条（最多导出 %(max)s 条）": "%%(count)s rows (export limit %(max)s rows)",
    "督办中": "Under supervision",
    "待分流": "Awaiting triage",
    "待审核": "Awaiting review",
    "已答复": "Answered",
    "复查中": "Under review",
    "复核中": "Under re-review",
    "已归档": "Archived",
    "不予受理": "Not accepted",
    "不再受理": "Not accepted again",
    "持有该件的信访工作机构（该件所在机构在本人管辖范围内）的分流员":
        "A triage officer of the petition bureau holding the case (the case's organization is within their "
        "jurisdiction)",
    "上报领导": "Submit to leader",
    "{holder}；所选领导须在本级管辖范围内，并填写批示期限":
        "{holder}; the chosen leader must be within their jurisdiction, with an instruction deadline",
    "呈报领导、批示期限": "Leader, instruction deadline",
    "批示内容": "Instruction",
    "被呈报的领导本人，或管辖范围包含该件所在机构的领导；批示后退回分流池（批示醒目显示），或由领导直接交办":
        "The leader it was submitted to, or a leader whose jurisdiction includes the case's organization; "
        "afterwards the case returns to the triage pool (instruction highlighted), or the leader assigns it "
        "directly",
    "批示内容；直接交办时另选承办单位": "Instruction; handling units when assigning directly",
    "{holder}，或收到上级交办/转办尚未受理的信访工作机构（逐级下交）；承办单位须在本级管辖范围内的下级机构或部门，可多个、各有期限、可指定主办；结果须报回交办单位审核；保密件不得交给被检举单位及其下级":
        "{holder}, or a petition bureau that received an assignment/transfer from above and has not accepted "
        "it (passing it down level by level); handling units must be subordinate organizations or departments "
        "within the jurisdiction, several allowed, each with its own deadline, one may be the lead; results "
        "go back to the assigning unit for review; confidential cases never go to the reported unit or its "
        "subordinates",
    "承办单位（可多个，各自办理期限，可指定一个主办）":
        "Handling units (several allowed, each with its own deadline, one may be the lead)",
    "同“交办”；转办的结果不报回转办单位审核（除非上级链条中有交办）":
        "As for “Assign”, but results of a transfer do not go back to the transferring unit for review "
        "(unless an assignment is higher up the chain)",
    "{holder}；须选择不予受理理由并写明告知信访人的法定途径":
        "{holder}; choose a reason for not accepting and state the legal channel advised to the petitioner",
    "不予受理理由（字典）、告知信访人的途径": "Reason for not accepting (dictionary), channel advised to the petitioner",
    "不再受理理由": "Reason for not accepting again",
    "{holder}；仅限已关联初访件的重复信访（同一事项经复核后只能不再受理）":
        "{holder}; only for repeat petitions linked to a first petition (after re-review the same matter can "
        "only be not accepted again)",
    "受理": "Accept",
    "承办单位的承办人，且本单位的交办记录为待受理":
        "A handler of the handling unit, while the unit's assignment awaits acceptance",
    "退回": "Return",
    "退回理由": "Reason for return",
    "申请延期": "Request extension",
    "已受理单位的承办人；最多30日，每件仅可延期一次":
        "A handler of a unit that accepted the case; up to 30 days, one extension per case",
    "延期天数（不超过30日）、延期理由": "Extension days (up to 30), reason",
    "批准延期": "Approve extension",
    "交办单位的分流员": "A triage officer of the assigning unit",
    "不予延期": "Reject extension",
    "不予延期理由": "Reason for rejecting the extension",
    "延期申请、不予延期理由": "Extension request, reason for rejection",
    "上报结果": "Report result",
    "已受理单位的承办人；多单位办理时全部单位（或主办单位）上报后进入待审核；转办链条中无交办的，上报即答复":
        "A handler of a unit that accepted the case; with several units the case awaits review once all "
        "units (or the lead unit) have reported; in a transfer chain without an assignment, the report is "
        "the answer",
    "办理结果、处理意见（支持/部分支持/不支持/解释说明）、附件":
        "Handling result, handling opinion (supported/partly supported/not supported/explained), attachments",
    "审核通过": "Approve result",
    "交办单位的分流员；中间层级审核通过后报上一级审核，最上级审核通过即为已答复":
        "A triage officer of the assigning unit; an approval at an intermediate level goes up for review, "
        "approval at the top level makes the case answered",
    "退回重办": "Send back for rework",
    "退回重办理由": "Reason for rework",
    "交办单位的分流员；可退回全部或其中一个单位": "A triage officer of the assigning unit; all units or one of them",
    "退回重办理由（可只退回其中一个单位）": "Reason for rework (may apply to one unit only)",
    "复查申请": "Review request",
    "复查请求理由": "Grounds for review",
    "可见该件的登记员或分流员代信访人提出；须在答复之日起30日内；由原办理机关的上一级在30日内复查":
        "Filed for the petitioner by a clerk or triage officer who can see the case, within 30 days of the "
        "reply; the authority above the original handler reviews it within 30 days",
    "复查意见": "Review opinion",
    "复查机关（原办理机关的上一级）的分流员": "A triage officer of the reviewing authority (the level above the original handler)",
    "结论（维持/变更/撤销）、复查意见": "Conclusion (uphold/change/revoke), review opinion",
    "复核申请": "Re-review request",
    "复核请求理由": "Grounds for re-review",
    "可见该件的登记员或分流员代信访人提出；须在复查意见作出之日起30日内；由复查机关的上一级在30日内复核":
        "Filed for the petitioner by a clerk or triage officer who can see the case, within 30 days of the "
        "review opinion; the authority above the reviewing authority re-reviews it within 30 days",
    "复核意见": "Re-review opinion",
    "复核机关（复查机关的上一级）的分流员；复核后同一事项再次信访只能不再受理":
        "A triage officer of the re-reviewing authority (the level above the reviewing authority); after "
        "re-review, new petitions on the same matter can only be not accepted again",
    "结论（维持/变更/撤销）、复核意见": "Conclusion (uphold/change/revoke), re-review opinion",
    "办结归档": "Conclude and archive",
    "{holder}；须填写办结分类、所属单位、区域、所属问题；勾选“同时归档”则一步归档（复查、复核申请期限未满时只能办结，不能归档）":
        "{holder}; conclusion category, unit, area and issue category are required; tick “Archive as well” "
        "to archive in one step (while the review or re-review period is open the case can be concluded but "
        "not archived)",
    "办结分类、所属单位、区域、所属问题；可选同时归档":
        "Conclusion category, unit, area, issue category; optionally archive as well",
    "归档": "Archive",
    "{holder}；复查、复核申请期限届满后": "{holder}; after the review and re-review request periods have ended",
    "公开答复内容": "Public reply text",
    "{holder}；保密件不得公开": "{holder}; confidential cases cannot be made public",
    "领导或督查员，该件在本人管辖范围内；须填写督办要求和期限；承办人收到提醒":
        "A leader or supervisor whose jurisdiction covers the case; supervision requirements and deadline "
        "are required; handlers get a reminder",
    "督办要求、督办期限": "Supervision requirements, supervision deadline",
    "标记查看": "Mark as viewed",
})

# reports/
EN.update({
    "统计报表": "Statistical reports",
    "统计时间：%(period)s\u3000\u3000统计范围：%(scope)s": "Period: %(period)s    Scope: %(scope)s",
    "各县（市）小计": "Subtotal by county (city)",
    "各乡镇（街道）小计": "Subtotal by township (subdistrict)",
    "下级小计": "Subtotal of subordinates",
    "合计": "Total",
    "批次": "Groups",
    "人次": "Persons",
    "未注明层次": "Level not stated",
    "其中：集体访": "Of which: collective visits",
    "其中：越级访": "Of which: skip-level petitions",
    "越级访占比（批次）": "Skip-level share (groups)",
    "上访层次统计表": "Petition level statistics",
    "口径：来访及上级交办的来访（有上访层次者）；一次集体访计1批次、按来访人数计人次。":
        "Basis: visits, including visits assigned from above (with a petition level); a collective visit "
        "counts as 1 group and as many persons as visitors.",
    "分类": "Category",
    "信访总量（件次）": "Total petitions (cases)",
    "初信初访": "First-time letters and visits",
    "合计（件次）": "Total (cases)",
    "来信（件）": "Letters (cases)",
    "网上信访（件）": "Online petitions (cases)",
    "来电（件）": "Calls (cases)",
    "上级交办（件）": "Assigned from above (cases)",
    "初信初访占本类信访量比例": "First-time share of this category",
    "占初信初访总量比例": "Share of all first-time petitions",
    "初信初访分类统计表": "First-time letters and visits by category",
    "口径：初信初访指未标记为重复信访的信访件；按所属问题（一级分类，下级分类计入所属一级）和按信访目的两种分类各自合计，两组小计均等于合计。":
        "Basis: first-time letters and visits are petition cases not marked as repeat petitions; they are "
        "totalled by issue category (top level, subcategories counted under their top level) and by purpose; "
        "each group's subtotal equals the total.",
    "一、按所属问题": "1. By issue category",
    "未分类": "Uncategorized",
    "二、按信访目的": "2. By purpose",
    "未填写": "Not stated",
    "小计": "Subtotal",
    "初信初访（件）": "First-time (cases)",
    "重复信访（件）": "Repeat petitions (cases)",
    "越级访（批次）": "Skip-level petitions (groups)",
    "办结情况": "Conclusion",
    "已办结（件）": "Concluded (cases)",
    "办结率": "Conclusion rate",
    "网信占比": "Online share",
    "地方信访工作机构信访数据统计表": "Petition statistics of local petition bureaus",
    "口径：按登记机构所在地区统计，每件只计一次；信访总量 = 来信 + 来访批次 + 网上信访 + 来电 + 上级交办。办结含已答复、已办结、已归档、不予受理、不再受理。":
        "Basis: counted by the area of the registering organization, each case once; total petitions = "
        "letters + visit groups + online petitions + calls + assigned from above. Concluded includes "
        "answered, concluded, archived, not accepted and not accepted again.",
    "排名": "Rank",
    "问题类别": "Issue category",
    "件次": "Cases",
    "占比": "Share",
    "其中来访": "Of which visits",
    "上期件次": "Previous period",
    "环比增减": "Change on previous period",
    "所属问题内容排行表": "Issue category ranking",
    "口径：按登记时所选所属问题（末级）统计，件次降序排名，并列同名次；上期为紧邻本期、天数相同的期间 %(prev)s。":
        "Basis: by the issue category (lowest level) chosen at registration, ranked by cases in descending "
        "order, ties share a rank; the previous period is the equally long period just before this one, "
        "%(prev)s.",
    "异常访合计": "Abnormal visits, total",
})

EN.update({
    "其中：越级访（批次）": "Of which: skip-level petitions (groups)",
    "按异常行为分类（批次，一访多种行为分别计）":
        "By abnormal behaviour (groups; a visit with several behaviours counts under each)",
    "来访总批次": "Total visit groups",
    "异常访占来访比例": "Abnormal visits as share of visits",
    "群众异常访统计表": "Abnormal visit statistics",
    "口径：登记了《信访工作条例》第二十六条所列行为之一的信访件；来访总批次含上级交办的来访。":
        "Basis: petition cases recorded with one of the behaviours listed in Art. 26 of the Regulations on "
        "Petition Work; total visit groups include visits assigned from above.",
    "一、信访总量": "1. Total petitions",
    "信访总量": "Total petitions",
    "二、按信访形式": "2. By channel",
    "件": "Cases",
    "来电": "Call",
    "三、按信访目的": "3. By purpose",
    "四、按来访性质": "4. By nature of visit",
    "个体访": "Individual visit",
    "集体访": "Collective visit",
    "五、初信初访与重复信访": "5. First-time and repeat petitions",
    "重复信访": "Repeat petition",
    "六、越级访与异常访": "6. Skip-level and abnormal visits",
    "越级访": "Skip-level petition",
    "异常访": "Abnormal visit",
    "七、办理情况": "7. Handling",
    "项目": "Item",
    "计量单位": "Unit of measure",
    "县（市）小计": "County (city) subtotal",
    "乡镇（街道）小计": "Township (subdistrict) subtotal",
    "占信访总量比例": "Share of total petitions",
    "信访数据统计表总表": "Petition statistics summary",
    "口径：按登记机构所在地区统计；第二（件次/批次）、三、五、七部分各项之和等于信访总量，第四部分批次之和等于来访批次；人次不计入比例。":
        "Basis: counted by the area of the registering organization; the items of parts 2 (cases/groups), "
        "3, 5 and 7 each add up to the total petitions, the groups in part 4 add up to the visit groups; "
        "persons are not used in shares.",
    "及时受理率": "Timely acceptance rate",
    "按期办结率": "On-time conclusion rate",
    "群众满意率": "Satisfaction rate",
    "参评率": "Rating participation rate",
    "重复信访率": "Repeat petition rate",
    "越级访占比": "Skip-level share",
    "及时受理": "Timely acceptance",
    "应受理（件）": "Due for acceptance (cases)",
    "及时受理（件）": "Accepted on time (cases)",
    "按期办结": "On-time conclusion",
    "应办结（件）": "Due for conclusion (cases)",
    "按期办结（件）": "Concluded on time (cases)",
    "群众满意度": "Satisfaction",
    "已评价（次）": "Ratings",
    "参评": "Rating participation",
    "已答复（件）": "Answered (cases)",
    "已参评（件）": "Rated (cases)",
    "登记（件）": "Registered (cases)",
    "重复（件）": "Repeat (cases)",
    "来访（批次）": "Visits (groups)",
    "越级（批次）": "Skip-level (groups)",
    "信访工作考核指标": "Petition work performance indicators",
    "口径：及时受理按受理期限（登记后15日）、按期办结按办理期限（受理后60日，含批准延期）、参评按答复时间、满意率按评价时间、其余按登记时间落入统计期间计；期限在期间内但尚未届满且未办理的不计入。":
        "Basis: a case counts in the period by its acceptance deadline (15 days after registration) for "
        "timely acceptance, by its handling deadline (60 days after acceptance, including approved "
        "extensions) for on-time conclusion, by reply date for rating participation, by rating date for "
        "satisfaction, and by registration date otherwise; cases whose deadline falls in the period but has "
        "not yet passed and that are not yet handled are not counted.",
    "考核指标排名：%(kpi)s": "Indicator ranking: %(kpi)s",
    "名次": "Rank",
    "数值相同者名次并列；分母为0的单位不参与排名。": "Equal values share a rank; units with a denominator of 0 are not ranked.",
    "该指标越低越好，按升序排名。": "Lower is better for this indicator; ranked in ascending order.",
    "来访按上访层次（到乡、到县、到州、到省、进京）的批次与人次，含集体访、越级访。":
        "Visit groups and persons by petition level (township, county, prefecture, province, Beijing), "
        "including collective and skip-level visits.",
    "初信初访按所属问题和信访目的分类，按信访形式分列。":
        "First-time letters and visits by issue category and purpose, split by channel.",
    "各地区信访总量、信访形式、集体访、初重信访、越级访与办结情况。":
        "Total petitions, channels, collective visits, first-time and repeat petitions, skip-level petitions "
        "and conclusions by area.",
    "所属问题按件次排名，含占比、来访批次人次与环比。":
        "Issue categories ranked by cases, with share, visit groups and persons, and change on the previous "
        "period.",
    "有《条例》第二十六条所列行为的信访，按地区和行为类型统计。":
        "Petitions with behaviours listed in Art. 26 of the Regulations, by area and type of behaviour.",
    "全部指标按地区分列的总表。": "Summary of all figures by area.",
    "按信访目的": "By purpose",
    "按信访形式（类型）": "By channel (type)",
    "按来访性质": "By nature of visit",
    "按所属问题（一级分类）": "By issue category (top level)",
    "按地区（登记机构）": "By area (registering organization)",
    "按月份": "By month",
    "开始日期": "Start date",
    "结束日期": "End date",
    "信访来源": "Petition source",
    "统计范围": "Scope",
    "统计期间不能超过十年。": "The period cannot exceed ten years.",
    "排名指标": "Ranking indicator",
    "查看统计报表": "View statistical reports",
    "来信来访（含网上信访）": "Letters and visits (including online petitions)",
    "在办": "In progress",
    "已办结（含归档）": "Concluded (including archived)",
    "不予受理/不再受理": "Not accepted / not accepted again",
    "考核指标": "Performance indicators",
})

# templates/
EN.update({
    "无权访问": "Access denied",
    "您的角色没有访问此页面的权限。如需开通，请联系系统管理员。":
        "Your role does not give access to this page. Ask the system administrator if you need it.",
    "返回首页": "Back to home",
    "页面不存在": "Page not found",
    "您访问的页面或记录不存在，或您无权查看。": "The page or record does not exist, or you may not view it.",
    "系统错误": "System error",
    "处理您的请求时发生错误，已记录。请稍后重试；如问题持续，请联系系统管理员。":
        "An error occurred while processing your request and has been logged. Please try again later; if "
        "the problem persists, contact the system administrator.",
    "查询": "Search",
    "没有符合条件的记录。": "No matching records.",
    "编辑机构": "Edit organization",
    "保存": "Save",
    "返回": "Back",
    "有用户、下级机构或已被业务数据引用的机构不能删除，请改为停用。":
        "Organizations with users, subordinate organizations or business records cannot be deleted; "
        "deactivate them instead.",
    "删除机构": "Delete organization",
    "停用": "Inactive",
    "添加下级": "Add subordinate",
    "为保障账号安全，请先设置新密码后再使用系统。": "To keep your account secure, set a new password before using the system.",
    "编辑角色": "Edit role",
    "编辑用户": "Edit user",
    "系统管理员、安全管理员、安全审计员不能兼任，也不能与业务角色兼任。":
        "The system administrator, security administrator and security auditor roles cannot be combined "
        "with each other or with business roles.",
    "账号安全": "Account security",
    "账号状态": "Account status",
    "已被管理员锁定": "Locked by an administrator",
    "登录失败次数过多，锁定至 %(time)s": "Locked until %(time)s after too many failed logins",
    "已停用": "Inactive",
    "正常": "Normal",
    "最近登录": "Last login",
    "解锁账号": "Unlock account",
    "锁定账号": "Lock account",
    "重置密码": "Reset password",
    "用户名或姓名": "Username or name",
    "没有符合条件的用户。": "No matching users.",
    "跳到正文": "Skip to content",
    "退出": "Log out",
    "主导航": "Main navigation",
    "您的角色": "Your roles",
    "未分配角色": "No role assigned",
    "我的提醒": "My reminders",
    "暂无提醒。": "No reminders.",
    "常用功能": "Shortcuts",
    "分页": "Pagination",
    "上一页": "Previous",
    "第 %(n)s / %(total)s 页，共 %(count)s 条": "Page %(n)s of %(total)s, %(count)s records",
    "下一页": "Next",
    "第%(n)s人": "Person %(n)s",
    "共 %(n)s 件": "%(n)s cases",
    "（超过上限不再精确计数，请增加查询条件）": "(not counted exactly above the limit; narrow the search)",
    "重访": "Repeat",
    "没有符合条件的信访件。": "No matching petition cases.",
    "第 %(n)s / %(total)s 页": "Page %(n)s of %(total)s",
    "可能的重复信访": "Possible repeat petitions",
    "暂未发现。输入身份证号、姓名和联系电话或反映问题后自动查找近两年本人可见的信访件。":
        "None found yet. After you enter an ID number, a name and phone, or the issues, the system searches "
        "the petition cases of the last two years that you can see.",
    "登记日期": "Registered",
    "依据": "Match",
    "标记为重访": "Mark as repeat",
    "保密件（检举揭发）：不得透露或转给被检举的人员或单位。":
        "Confidential case (report of misconduct): do not disclose it or pass it to the reported person or unit.",
    "承办单位（可多个，各有期限；可勾选一个主办单位，不勾选则须全部单位办结）":
        "Handling units (several allowed, each with its own deadline; tick one as lead, otherwise all units "
        "must conclude)",
    "办理期限不填则为受理之日起60日；受理期限为交办之日起15日。":
        "If no handling deadline is given it is 60 days from acceptance; the acceptance deadline is 15 days "
        "from assignment.",
    "确定": "OK",
    "已办结、已归档、不予受理和不再受理的信访件，只读。":
        "Concluded, archived, not accepted and not accepted again petition cases, read-only.",
    "查询条件": "Search criteria",
    "重置": "Reset",
    "保密件（检举揭发）：仅被授权人员可见，不得透露或转给被检举的人员或单位。":
        "Confidential case (report of misconduct): visible only to authorized staff; do not disclose it or "
        "pass it to the reported person or unit.",
    "登记信息": "Registration details",
    "匿名信访，未登记信访人。": "Anonymous petition; no petitioner recorded.",
    "反映问题": "Issues",
    "上传时间": "Uploaded at",
    "无附件。": "No attachments.",
    "暂无处理记录。": "No handling records yet.",
    "字典类别": "Dictionary",
    "已被信访件等数据引用的字典项不能删除，删除时将自动改为停用；停用的字典项不再出现在新登记的选项中，已有数据保持不变。":
        "Entries used by petition cases or other records cannot be deleted; deleting them deactivates them "
        "instead. Inactive entries no longer appear as choices for new registrations; existing records are "
        "unchanged.",
    "停用上级项时，其下级项一并停用。": "Deactivating an entry also deactivates its children.",
    "编辑": "Edit",
    "删除": "Delete",
    "该字典暂无字典项。": "This dictionary has no entries yet.",
    "办理状态": "Handling status",
    "批示": "Instruction",
    "暂无信访件。": "No petition cases.",
    "办理情况": "Handling",
    "复查申请期限": "Review request period",
    "复核申请期限": "Re-review request period",
    "可申请": "Open",
    "已届满": "Ended",
    "已延期%(d)s天": "Extended by %(d)s days",
    "申请单位": "Requesting unit",
    "天数": "Days",
    "理由": "Reason",
    "审批人": "Decided by",
    "机关": "Authority",
    "已解除": "Lifted",
    "人员": "Person",
    "暂无查阅记录。": "No access records yet.",
    "领导": "Leader",
    "当前状态": "Current status",
    "暂无领导批示。": "No leader instructions yet.",
    "呈报给我的信访件": "Petition cases submitted to me",
    "暂无待批示的信访件。": "No petition cases awaiting instruction.",
    "%(which)s不是64位十六进制密钥。": "%(which)s is not a 64-character hexadecimal key.",
    "旧密钥": "The old key",
    "新密钥": "The new key",
    "新旧密钥相同，无需轮换。": "The old and new keys are the same; nothing to rotate.",
    "信访人记录 %(id)s 不能用旧密钥解密：旧密钥不对，或数据已被篡改；未做任何修改。": "Petitioner record %(id)s cannot be decrypted with the old key: the old key is wrong or the data was tampered with; nothing was changed.",
    "用户 %(id)s 的两步验证密钥不能用旧密钥解密；未做任何修改。": "The two-factor secret of user %(id)s cannot be decrypted with the old key; nothing was changed.",
    "字段加密密钥轮换：身份证号%(identities)d条，两步验证密钥%(otp_secrets)d个": "Field encryption key rotated: %(identities)d identity numbers, %(otp_secrets)d two-factor secrets",
    "公共信息": "Office information",
    "通知公告": "Notices",
    "政策法规": "Policies and regulations",
    "知识库": "Knowledge base",
    "正文": "Text",
    "发布机构": "Publishing body",
    "已发布": "Published",
    "发布时间": "Published",
    "文件传送": "File transfer",
    "发送人": "Sender",
    "接收人": "Recipient",
    "发送时间": "Sent",
    "接收时间": "Received",
    "请填写标题。": "Please enter a title.",
    "请选择类别。": "Please choose a category.",
    "%(kind)s：%(title)s": "%(kind)s: %(title)s",
    "撤回：%(title)s": "Withdrawn: %(title)s",
    "请选择要发送的文件。": "Please choose the file to send.",
    "请选择接收人。": "Please choose the recipient.",
    "发送文件给 %(user)s：%(name)s": "File sent to %(user)s: %(name)s",
    "收到文件：%(name)s（%(sender)s）": "File received: %(name)s (%(sender)s)",
    "标题或正文": "Title or text",
    "文件": "File",
    "已发布。": "Published.",
    "发布公共信息": "Publish",
    "已撤回。": "Withdrawn.",
    "文件已发送。": "File sent.",
    "已撤回": "Withdrawn",
    "暂无公共信息。": "Nothing published yet.",
    "撤回": "Withdraw",
    "现有附件": "Current attachment",
    "上传新文件将替换它": "a new upload replaces it",
    "发布": "Publish",
    "发送文件": "Send a file",
    "收到的文件": "Files received",
    "已接收": "Received",
    "未接收": "Not yet opened",
    "暂无文件。": "No files.",
    "发出的文件": "Files sent",
    "发送": "Send",
    "系统提醒": "Notifications",
    "个人任务": "Personal task",
    "任务内容": "Task",
    "完成期限": "Due date",
    "备注": "Notes",
    "任务已添加。": "Task added.",
    "任务已保存。": "Task saved.",
    "任务已删除。": "Task deleted.",
    "修改任务": "Edit task",
    "任务管理": "Tasks",
    "我的任务": "My tasks",
    "添加任务": "Add task",
    "暂无待办任务。": "No open tasks.",
    "已完成的任务": "Completed tasks",
    "恢复": "Reopen",
    "全部标为已读": "Mark all as read",
    "标为已读": "Mark as read",
    "全部任务和提醒": "All tasks and notifications",
    "任务": "Task",
    "请填写任务内容。": "Please describe the task.",
    "完成": "Done",
    "修改": "Edit",
    "指定办理期限": "Handling deadline set by the assigning body",
    "仅列出期限最近的 %(n)s 件，其余请在信访查询中按状态“待批示”查找。":
        "Only the %(n)s with the nearest deadlines are listed; find the rest in Search with the state “awaiting instruction”.",
    "督办及超期信访件": "Supervised and overdue petition cases",
    "管辖范围内暂无督办或超期的信访件。": "No supervised or overdue petition cases in your jurisdiction.",
    "共 %(n)s 件待分流": ("%(n)s case awaiting triage", "%(n)s cases awaiting triage"),
    "集体": "Collective",
    "等%(n)s人": "(%(n)s people)",
    "分流池中没有符合条件的信访件。": "No matching petition cases in the triage pool.",
    "来访人（集体访填写代表）": "Visitors (representatives for a collective visit)",
    "集体访须推选代表，最多登记5名代表，每名代表都要填写身份信息；来访人数不得少于代表人数。":
        "A collective visit must elect representatives: register up to 5, each with identity details; the "
        "number of visitors cannot be less than the number of representatives.",
    "联名信最多登记5名信访人；匿名信可不填写信访人。":
        "Register up to 5 petitioners for a joint letter; an anonymous letter needs none.",
    "输入身份证号后自动核验并填入性别、年龄。": "The ID number is checked as you type, and sex and age are filled in.",
    "增加信访人/代表": "Add petitioner/representative",
    "已标记": "Marked",
    "重访与保密": "Repeat petition and confidentiality",
    "页面重新显示时浏览器不保留已选文件，请重新选择。":
        "The browser does not keep selected files when the page is shown again; please select them again.",
    "保存（进入分流池）": "Save (to triage pool)",
    "当面答复并办结": "Answer in person and conclude",
    "暂无待审核的办理结果。": "No handling results awaiting review.",
    "申请人": "Requested by",
    "申请时间": "Requested at",
    "暂无待审批的延期申请。": "No extension requests awaiting approval.",
    "暂无上级交办的信访件。": "No petition cases assigned from above.",
    "暂无复查、复核申请。": "No review or re-review requests.",
    "身份证号已脱敏显示。": "ID numbers are shown masked.",
    "登录": "Log in",
    "请使用本人账号登录。连续5次密码错误，账号将被锁定15分钟。":
        "Log in with your own account. After 5 wrong passwords in a row the account is locked for 15 minutes.",
    "统计条件": "Report criteria",
    "统计": "Run",
    "没有数据。": "No data.",
    "打印": "Print",
    "SVG矢量图": "SVG vector image",
    "报表": "Reports",
    "及时受理率、按期办结率、群众满意率、参评率、重复信访率、越级访占比、网信占比，按单位排名。":
        "Timely acceptance rate, on-time conclusion rate, satisfaction rate, rating participation rate, "
        "repeat petition rate, skip-level share and online share, ranked by unit.",
    "按信访目的、形式、来访性质、所属问题、是否重访、地区和月份的柱状图。":
        "Bar charts by purpose, channel, nature of visit, issue category, repeat petition, area and month.",
    "各报表的统计口径见系统文档 docs/reports.md；每张报表均可按期间、信访来源和统计范围查询，导出Excel并打印。":
        "The basis of each report is described in docs/reports.md; every report can be run by period, "
        "petition source and scope, exported to Excel and printed.",
})

# working-day calendar (节假日安排) and the 5-working-day 退回 period
EN.update({
    "日期": "Date",
    "工作日": "Working day",
    "节假日安排": "Holiday calendar",
    "已超过收到交办（转办）之日起%(n)d个工作日的退回期限（%(due)s，《信访工作条例》第二十三条），请受理办理，或与交办机关协商。":
        "The period for returning the case, %(n)d working days from receiving the assignment (transfer), ended on "
        "%(due)s (Regulations on Petition Work, Article 23). Please accept and handle it, or consult the assigning "
        "body.",
    "节假日安排已保存：新增%(created)d天，修改%(updated)d天，%(unchanged)d天未变。":
        "Holiday calendar saved: %(created)d days added, %(updated)d changed, %(unchanged)d unchanged.",
    "您没有维护节假日安排的权限。": "You may not maintain the holiday calendar.",
    "节假日安排正被他人同时修改，请刷新后重试。":
        "Someone else is changing the holiday calendar at the same time; please refresh and try again.",
    "请填写名称（如：春节、调休上班）。": "Please enter a name (e.g. Spring Festival, swapped working day).",
    "名称最多%(n)d个字。": "The name may have at most %(n)d characters.",
    "说明最多%(n)d个字。": "The note may have at most %(n)d characters.",
    "一次最多登记%(n)d天。": "At most %(n)d days can be entered at once.",
    "登记节假日安排 %(start)s～%(end)s：%(label)s": "Holiday calendar entered %(start)s to %(end)s: %(label)s",
    "删除节假日安排 %(date)s：%(label)s": "Holiday calendar entry deleted %(date)s: %(label)s",
    "文件编码无法识别，请保存为UTF-8或GBK编码的CSV文件。":
        "The file's encoding was not recognised; please save the CSV file as UTF-8 or GBK.",
    "列数不对，应为：日期,是否工作日,名称[,说明]": "Wrong number of columns; expected: date,is_workday,name[,note]",
    "日期“%(value)s”无效（格式为YYYY-MM-DD）": "Invalid date “%(value)s” (format YYYY-MM-DD)",
    "是否工作日“%(value)s”无效（填1表示上班，0表示休息）":
        "Invalid working-day value “%(value)s” (1 for working, 0 for rest)",
    "日期%(date)s与第%(other)d行重复": "Date %(date)s repeats line %(other)d",
    "第%(line)d行：%(problem)s": "Line %(line)d: %(problem)s",
    "……共%(n)d处错误": "… %(n)d errors in all",
    "未导入任何数据。%(errors)s": "Nothing was imported. %(errors)s",
    "文件中没有节假日数据。": "The file holds no calendar days.",
    "一次最多导入%(n)d行。": "At most %(n)d lines can be imported at once.",
    "导入节假日安排 %(first)s～%(last)s（%(n)d行）": "Holiday calendar imported %(first)s to %(last)s (%(n)d lines)",
    "连续多天时填写最后一天（含），一次最多31天":
        "For several consecutive days enter the last one (inclusive); at most 31 days at once",
    "安排": "Arrangement",
    "休息（法定节假日）": "Rest (public holiday)",
    "上班（调休）": "Working (swapped working day)",
    "如：春节、国庆节、调休上班": "e.g. Spring Festival, National Day, swapped working day",
    "CSV文件": "CSV file",
    "每行：日期,是否工作日,名称[,说明]，如 2026-10-01,0,国庆节；1表示上班，0表示休息。UTF-8或GBK编码。":
        "One line per day: date,is_workday,name[,note], e.g. 2026-10-01,0,National Day; 1 means working, 0 rest. "
        "UTF-8 or GBK encoding.",
    "文件过大（最多256KB）。": "The file is too large (at most 256 KB).",
    "已删除%(date)s的节假日安排。": "The holiday calendar entry of %(date)s was deleted.",
    "承办单位（承办人，或收到交办的信访工作机构）在受理前，且在收到之日起5个工作日内（条例第二十三条）；退回交办单位（其分流池或其上级交办）":
        "The handling unit (a handler, or the petition bureau that received the assignment) before acceptance and "
        "within 5 working days of receipt (Regulations, Article 23); the case returns to the assigning unit (its "
        "triage pool or its own assignment from above)",
    "退回期限": "Return deadline",
    "今天是最后一天": "Today is the last day",
    "收到交办（转办）之日起%(n)s个工作日内可以退回（《信访工作条例》第二十三条，节假日和调休按已登记的节假日安排计算）；逾期须受理办理，或与交办机关协商。":
        "A case can be returned within %(n)s working days of receiving the assignment (transfer) (Regulations on "
        "Petition Work, Article 23; holidays and swapped working days as entered in the holiday calendar); after "
        "that it must be accepted and handled, or settled with the assigning body.",
    "节假日安排：%(year)s年": "Holiday calendar: %(year)s",
    "年份": "Year",
    "周一至周五为工作日，周六、周日为休息日；这里只登记例外：法定节假日（休息）和调休上班的周末（上班），以当年国务院办公厅关于节假日安排的通知为准。“工作日”期限（如收到交办（转办）之日起5个工作日内退回，《信访工作条例》第二十三条）按此计算。":
        "Monday to Friday are working days, Saturday and Sunday rest days; only the exceptions are entered here: "
        "public holidays (rest) and swapped weekend working days (working), as set by the State Council General "
        "Office's notice for the year. Periods in working days (such as returning a case within 5 working days of "
        "receiving the assignment or transfer, Regulations on Petition Work, Article 23) are counted with them.",
    "尚未登记%(year)s年的节假日安排：登记前，该年按周一至周五上班计算。":
        "The holiday calendar of %(year)s has not been entered yet: until it is, Monday to Friday count as working "
        "days.",
    "星期": "Weekday",
    "上班": "Working",
    "休息": "Rest",
    "该年暂无登记。": "Nothing entered for this year.",
    "共登记休息日%(rest_count)s天、调休上班日%(work_count)s天。":
        "%(rest_count)s rest days and %(work_count)s swapped working days entered.",
    "登记或修改": "Enter or change",
    "已登记的日期再次登记时，以新填写的为准。": "Entering a date again replaces what was entered for it.",
    "从CSV文件导入": "Import from a CSV file",
    "文件中任何一行有误时，整个文件都不导入。": "If any line of the file is wrong, nothing from it is imported.",
    "导入": "Import",
})

# the public portal (petitions/portal/, templates/portal/)
EN.update({
    "已登记": "Registered",
    "已受理": "Accepted",
    "受理机构": "Receiving bureau",
    "请选择": "Please choose",
    "请选择受理机构。": "Please choose the receiving bureau.",
    "请填写身份证号。": "Please enter your ID number.",
    "请填写联系电话。": "Please enter a phone number.",
    "请选择信访目的。": "Please choose the purpose of the petition.",
    "不清楚（由信访部门分类）": "Not sure (the petition bureau will classify it)",
    "验证码": "Verification code",
    "请填写验证码。": "Please enter the verification code.",
    "请填写正确的联系电话（手机或固定电话）。": "Please enter a valid phone number (mobile or landline).",
    "验证码不正确或已过期，请输入新的验证码。": "The verification code is wrong or has expired; please enter the new one.",
    "请填写信访件编号。": "Please enter the case number.",
    "请填写查询码。": "Please enter the query code.",
    "请至少选择一项评价。": "Please choose at least one rating.",
    "请填写请求理由。": "Please give the reasons for your request.",
    "表单已失效，请刷新页面后重新提交。": "This form has expired; please reload the page and submit again.",
    "同一网络地址提交过于频繁，请%(minutes)d分钟后再试。":
        "Too many submissions from this network address; please try again in %(minutes)d minutes.",
    "提交成功": "Submitted",
    "查询失败次数过多，请%(minutes)d分钟后再试。": "Too many failed look-ups; please try again in %(minutes)d minutes.",
    "未找到该信访件，请核对信访件编号和查询码。": "No petition case found; please check the case number and the query code.",
    "办理进度": "Progress",
    "评价已提交，感谢您的评价。": "Your rating has been submitted. Thank you.",
    "申请已提交，上一级机关将自收到申请之日起30日内答复。":
        "Your request has been submitted; the next level up will answer within 30 days of receiving it.",
    "评价选项无效。": "Invalid rating.",
    "该信访件尚未答复，暂不能评价。": "This petition case has not been answered yet and cannot be rated.",
    "已对%(target)s作出评价，每项只能评价一次。": "%(target)s has already been rated; each can be rated once only.",
    "该信访件已评价，每项只能评价一次。": "This petition case has already been rated; each can be rated once only.",
    "该信访件不能在网上提出复查（复核）申请，请向原办理机关书面提出。":
        "A review (re-review) of this petition case cannot be requested online; please apply in writing to the "
        "handling body.",
    "网上信访限流记录": "Online petition rate-limit record",
    "我要信访": "Submit a petition",
    "提交": "Submit",
    "办理机关": "Handling body",
    "申请%(what)s": "Request %(what)s",
    "在线提交信访事项，提交后获得信访件编号和查询码。":
        "Submit a petition online; you receive a case number and a query code.",
    "凭信访件编号和查询码查看办理进度和答复意见，对答复作出评价，或在规定期限内申请复查、复核。":
        "With the case number and query code, follow the progress and read the answer, rate the answer, or request "
        "a review or re-review within the time limit.",
    "查看信访部门公开的答复意见。": "Read the replies the petition bureaus have published.",
    "办理指南": "Guide",
    "信访部门自收到信访事项之日起15日内决定是否受理，并转送、交办有权处理的机关（《信访工作条例》第二十二条）。":
        "Within 15 days of receiving a petition the petition bureau decides whether to accept it and forwards or "
        "assigns it to the competent body (Regulations on Petition Work, Article 22).",
    "有权处理的机关自受理之日起60日内办结并书面答复；情况复杂的，经批准可适当延长，延长期限不超过30日（第三十四条）。":
        "The competent body concludes the matter and answers in writing within 60 days of acceptance; in complex "
        "cases this may be extended with approval by at most 30 days (Article 34).",
    "对处理意见不服的，可自收到书面答复之日起30日内请求原办理机关的上一级机关复查；对复查意见不服的，可自收到复查意见之日起30日内请求复核（第三十五条、第三十六条）。":
        "If you disagree with the answer you may ask the next level up of the handling body for a review within "
        "30 days of receiving the written answer; if you disagree with the review you may ask for a re-review "
        "within 30 days of receiving it (Articles 35 and 36).",
    "已经或者依法应当通过诉讼、仲裁、行政复议等法定途径解决的事项，请依照有关法律、行政法规的规定向有关机关提出。":
        "Matters that are being, or by law must be, resolved through litigation, arbitration, administrative "
        "reconsideration or other legal channels must be brought before the competent bodies as the laws and "
        "regulations provide.",
    "处理您的请求时发生错误，请稍后重试。": "An error occurred while handling your request. Please try again later.",
    "请如实填写。带 * 的为必填项。提交后请保存信访件编号和查询码，用于查询办理进度。":
        "Please fill in truthfully. Fields marked * are required. After submitting, keep the case number and the "
        "query code to follow the progress.",
    "信访事项": "The matter",
    "看不清？换一张": "Hard to read? Show another",
    "验证码图片": "Verification code image",
    "暂无公开答复。": "No published replies yet.",
    "第 %(page)s 页": "Page %(page)s",
    "您访问的页面不存在。": "The page you asked for does not exist.",
    "您的信访事项已提交，信访部门将自收到之日起15日内决定是否受理。":
        "Your petition has been submitted; the petition bureau will decide within 15 days of receipt whether to "
        "accept it.",
    "请抄写或截图保存信访件编号和查询码：查询码只显示这一次，凭它们才能查询办理进度、评价答复和申请复查。":
        "Write down or take a screenshot of the case number and the query code: the query code is shown only this "
        "once, and you need both to follow the progress, rate the answer and request a review.",
    "查询办理进度": "Follow the progress",
    "回执已显示过": "The receipt has already been shown",
    "为保护您的信息，信访件编号和查询码只显示一次。请凭您保存的编号和查询码查询。":
        "To protect your information the case number and query code are shown only once. Please use the ones you "
        "kept to look the case up.",
    "退出查询": "Close this case",
    "受理日期": "Accepted on",
    "答复日期": "Answered on",
    "办结日期": "Concluded on",
    "申请日期": "Requested on",
    "答复期限": "Answer due",
    "提交评价": "Submit rating",
    "对%(target)s的评价": "Rating of %(target)s",
    "对答复意见不服的，可在%(until)s前（含当日）申请%(what)s，由上一级机关办理。":
        "If you disagree with the answer you may request %(what)s until %(until)s (inclusive); the next level up "
        "handles it.",
    "提交%(what)s申请": "Request %(what)s",
    "信访人应当如实反映情况，不得捏造、歪曲事实，不得诬告、陷害他人。":
        "Petitioners must state the facts truthfully and must not invent or distort facts or falsely accuse "
        "others.",
})

# petitions/exchange, petitions/services/exchange.py and the 数据交换 page (DESIGN.md §6)
EN.update({
    "数据包中的文件超过大小上限，已拒收。": "A file in the package exceeds the size limit; the package was rejected.",
    "数据包内文件数量异常，已拒收。": "The package holds an abnormal number of files; it was rejected.",
    "数据包含有不允许的文件名，已拒收。": "The package contains a file name that is not allowed; it was rejected.",
    "数据包解压后体积异常（疑似压缩炸弹），已拒收。":
        "The package is abnormally large when unpacked (suspected zip bomb); it was rejected.",
    "数据包缺少清单或签名，已拒收。": "The package lacks its manifest or signature; it was rejected.",
    "数据包中的数据行无法解析，已拒收。": "Data lines in the package cannot be parsed; the package was rejected.",
    "数据包中的数据行格式有误，已拒收。": "A data line in the package is malformed; the package was rejected.",
    "数据包超过大小上限，已拒收。": "The package exceeds the size limit; it was rejected.",
    "不是有效的数据包（zip）文件。": "This is not a valid package (zip) file.",
    "数据包清单无法解析，已拒收。": "The package manifest cannot be parsed; the package was rejected.",
    "数据包格式版本 %(v)s 不受支持（本系统为 %(ours)s）。":
        "Package format version %(v)s is not supported (this system uses %(ours)s).",
    "发送机构 %(org)s 没有已登记的有效公钥，已拒收。":
        "The sending organization %(org)s has no registered active public key; the package was rejected.",
    "数据包签名验证失败（签名不符或不是该机构的密钥），已拒收。":
        "The package signature is invalid (wrong signature or not this organization's key); it was rejected.",
    "数据包文件与清单不一致，已拒收。": "The package files do not match the manifest; the package was rejected.",
    "数据包文件 %(name)s 的校验值不符（已被篡改或损坏），已拒收。":
        "The checksum of package file %(name)s does not match (tampered with or damaged); the package was rejected.",
    "数据包行数与清单不一致，已拒收。": "The package row counts do not match the manifest; the package was rejected.",
    "您没有导入导出数据交换包的权限。": "You are not allowed to import or export data packages.",
    "只能导出本辖区的数据。": "You can only export data of your own jurisdiction.",
    "登记机构 %(org)s 在本系统中不存在": "Registering organization %(org)s does not exist in this system",
    "登记机构 %(org)s 不在发送机构 %(signer)s 的辖区内":
        "Registering organization %(org)s is outside the jurisdiction of the sender %(signer)s",
    "信访件编号与登记机构、年度、序号不符":
        "The case number does not match the registering organization, year and sequence",
    "数据交换包": "Data package",
    "下级系统导出的签名数据包（.zip）。重复导入不会重复登记。":
        "A signed package (.zip) exported by a lower-level system. Importing it again registers nothing twice.",
    "导出机构": "Organization to export",
    "导出该机构及其下级登记的信访件": "Exports the cases registered by this organization and its sub-units",
    "一次最多导出一年的数据。": "At most one year can be exported at a time.",
    "数据交换": "Data exchange",
    "本系统尚未生成数据交换签名密钥，请联系系统管理员运行 exchange_keygen。":
        "This system has no data-exchange signing key yet; ask the system administrator to run exchange_keygen.",
    "发送机构": "Sending organization",
    "公钥": "Public key",
    "数据交换公钥": "Data-exchange public key",
    "导入导出数据交换包": "Import and export data packages",
    "下级系统导出签名数据包，本级导入：验证签名和每个文件的校验值，已有的信访件和处理记录不重复登记，较新的办理状态合并。导入的信访件按其登记机构计入统计报表。":
        "Lower-level systems export signed packages and this level imports them: the signature and every file's "
        "checksum are verified, existing cases and events are not registered twice, and newer handling states "
        "are merged. Imported cases count in the reports under their registering organization.",
    "导入结果": "Import result",
    "数据期间": "Data period",
    "新增信访件": "Cases created",
    "更新信访件": "Cases updated",
    "无变化": "Unchanged",
    "新增处理记录": "Events added",
    "新增附件": "Attachments added",
    "拒收信访件": "Cases rejected",
    "拒收原因": "Reason for rejection",
    "导入数据包": "Import a package",
    "导出数据包": "Export a package",
    "包括该期间登记或有处理记录的信访件，含信访人完整身份信息，请按涉密载体管理。":
        "Includes the cases registered or handled in the period, with the petitioners' full identity data; "
        "handle it as a classified medium.",
    "导出": "Export",
    "已登记的下级公钥": "Registered public keys of lower levels",
    "公钥指纹": "Key fingerprint",
    "尚未登记下级公钥：由系统管理员用 exchange_key_register 命令登记。":
        "No public keys registered yet: the system administrator registers them with the exchange_key_register "
        "command.",
})

# two-factor login (accounts/otp.py)
EN.update({
    "两步验证管理": "Two-factor login",
    "动态验证码": "Verification code",
    "身份验证器中显示的6位数字；手机不在身边时可输入一个恢复码。":
        "The 6 digits shown by your authenticator app; without your phone, enter a recovery code.",
    "身份验证器中当前显示的6位数字。": "The 6 digits your authenticator app shows now.",
    "已启用两步验证": "Two-factor login enabled",
    "登录失败：动态验证码错误": "Login failed: wrong verification code",
    "已启用两步验证。": "Two-factor login is already enabled.",
    "动态验证码不正确，请核对手机时间后重试。": "Wrong verification code; check your phone's clock and try again.",
    "启用两步验证": "Enable two-factor login",
    "您的角色必须使用两步验证，不能关闭。": "Your role must use two-factor login; it cannot be turned off.",
    "动态验证码不正确。": "Wrong verification code.",
    "关闭两步验证": "Turn off two-factor login",
    "重新生成两步验证恢复码": "Regenerated the two-factor recovery codes",
    "不能重置自己的两步验证，请由另一名安全管理员操作。":
        "You cannot reset your own two-factor login; ask another security administrator.",
    "该用户未启用两步验证。": "This user has not enabled two-factor login.",
    "重置用户 %(u)s 的两步验证": "Reset the two-factor login of %(u)s",
    "登录验证已超时，请重新输入用户名和密码。": "The login step has expired; enter your username and password again.",
    "您使用了一个恢复码登录，还剩%(n)d个；请尽快在个人资料中重新生成。":
        "You logged in with a recovery code; %(n)d left. Regenerate them soon in your profile.",
    "动态验证码错误。还可尝试%(n)d次。": "Wrong verification code. %(n)d attempts left.",
    "两步验证已启用。": "Two-factor login enabled.",
    "两步验证": "Two-factor login",
    "两步验证已关闭。": "Two-factor login turned off.",
    "请输入动态验证码。": "Enter the verification code.",
    "已生成新的恢复码，原恢复码作废。": "New recovery codes generated; the old ones no longer work.",
    "已重置用户 %(u)s 的两步验证。": "The two-factor login of %(u)s has been reset.",
    "已启用": "Enabled",
    "剩余恢复码 %(n)s 个。": "Recovery codes left: %(n)s.",
    "重新生成恢复码": "Regenerate recovery codes",
    "未启用": "Not enabled",
    "启用后，登录时除密码外还须输入手机身份验证器中的动态验证码。":
        "Once enabled, logging in needs the code from your phone's authenticator app besides the password.",
    "以下恢复码只显示这一次，请抄写或打印后妥善保管。手机丢失时，每个恢复码可代替动态验证码登录一次。":
        "These recovery codes are shown only this once: write them down or print them and keep them safe. "
        "If you lose your phone, each code replaces the verification code for one login.",
    "在应用中选择手动输入密钥，账号填写您的用户名，密钥填写下方内容（基于时间）：":
        "In the app, choose to enter a key manually, with your username as the account and this key "
        "(time-based):",
    "在手机上安装身份验证器应用（支持 TOTP 标准的均可）。":
        "Install an authenticator app on your phone (any app supporting TOTP).",
    "恢复码": "Recovery codes",
    "我已保存，继续": "I have saved them, continue",
    "或在支持链接的应用中使用：": "Or, in apps that accept a link:",
    "按照安全策略，您的账号必须启用两步验证后才能使用系统。":
        "By the security policy, your account must enable two-factor login before using the system.",
    "用户手机丢失时，可在此重置其两步验证；系统管理员、安全管理员、安全审计员下次登录时须重新启用。":
        "When a user loses the phone, reset the two-factor login here; system administrators, security "
        "administrators and security auditors must enrol again at their next login.",
    "请输入手机身份验证器中显示的6位动态验证码。": "Enter the 6-digit code shown by the authenticator app on your phone.",
    "输入应用当前显示的6位数字，完成启用。": "Enter the 6 digits the app shows now to finish.",
    "返回重新登录": "Back to the login page",
    "重置两步验证": "Reset two-factor login",
    "验证": "Verify",
})
