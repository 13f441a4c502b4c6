from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_otp, name="login_otp"),
    path("logout/", views.logout_view, name="logout"),
    path("profile/", views.profile, name="profile"),
    path("password/", views.password_change, name="password_change"),
    path("otp/", views.otp_setup, name="otp_setup"),
    path("otp/disable/", views.otp_disable, name="otp_disable"),
    path("otp/recovery-codes/", views.otp_recovery_codes, name="otp_recovery_codes"),
    path("otp/users/", views.otp_user_list, name="otp_users"),
    path("otp/users/<int:pk>/reset/", views.otp_reset, name="otp_reset"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/lock/", views.user_lock, name="user_lock"),
    path("users/<int:pk>/password/", views.user_reset_password, name="user_reset_password"),
    path("roles/", views.role_list, name="role_list"),
    path("roles/new/", views.role_edit, name="role_create"),
    path("roles/<int:pk>/", views.role_edit, name="role_edit"),
    path("roles/<int:pk>/delete/", views.role_delete, name="role_delete"),
    path("grants/", views.user_roles_list, name="user_roles_list"),
    path("grants/<int:pk>/", views.user_roles_edit, name="user_roles_edit"),
    path("orgs/", views.org_list, name="org_list"),
    path("orgs/new/", views.org_edit, name="org_create"),
    path("orgs/<int:pk>/", views.org_edit, name="org_edit"),
    path("orgs/<int:pk>/delete/", views.org_delete, name="org_delete"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/access/", views.access_log_list, name="access_log"),
    path("tasks/", views.reminder_list, name="reminders"),
    path("tasks/<int:pk>/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("tasks/<int:pk>/delete/", views.task_delete, name="task_delete"),
    path("notices/read/", views.notice_read, name="notice_read_all"),
    path("notices/<int:pk>/read/", views.notice_read, name="notice_read"),
    path("notices/<int:pk>/", views.notice_open, name="notice_open"),
]
