from django.urls import path

from petitions.views import calendar, cases, dictionary, intake
from petitions.views import search as search_views
from petitions.views import actions, corrections, evaluations, exchange, history_import, inbox, leader, review, sms, supervision
from petitions.views import duty
from petitions.views import instances

app_name = "petitions"

urlpatterns = [
    path("register/visit/", intake.register_visit, name="register_visit"),
    path("register/letter/", intake.register_letter, name="register_letter"),
    path("register/referral/", intake.register_referral, name="register_referral"),
    path("register/similar/", intake.similar, name="similar"),
    path("pool/", cases.pool, name="pool"),
    path("<int:pk>/", cases.case_detail, name="detail"),
    path("attachments/<int:pk>/", cases.attachment_download, name="attachment_download"),
    path("search/", search_views.search, name="search"),
    path("archive/", search_views.archive, name="archive"),
    path("dictionaries/", dictionary.dictionary_list, name="dictionary_list"),
    path("dictionaries/new/", dictionary.dictionary_create, name="dictionary_create"),
    path("dictionaries/<int:pk>/", dictionary.dictionary_edit, name="dictionary_edit"),
    path("dictionaries/<int:pk>/active/", dictionary.dictionary_set_active, name="dictionary_set_active"),
    path("dictionaries/<int:pk>/delete/", dictionary.dictionary_delete, name="dictionary_delete"),
    path("dictionaries/calendar/", calendar.calendar_page, name="dictionary_calendar"),
    path("dictionaries/calendar/save/", calendar.calendar_save, name="dictionary_calendar_save"),
    path("dictionaries/calendar/import/", calendar.calendar_upload, name="dictionary_calendar_import"),
    path("dictionaries/calendar/<int:pk>/delete/", calendar.calendar_delete, name="dictionary_calendar_delete"),
    # workflow
    path("<int:pk>/action/<slug:action>/", actions.action_view, name="action"),
    path("<int:pk>/export/", actions.export_case, name="export"),
    path("<int:pk>/correct/", corrections.correct, name="correct"),
    path("<int:pk>/evaluation/", evaluations.evaluation_record, name="evaluation_record"),
    path("leader/", leader.leader_page, name="leader"),
    path("instructions/", leader.instruction_board, name="instructions"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("supervision/", supervision.supervision_page, name="supervision"),
    path("review/", review.review_queue, name="review_queue"),
    path("duty/", duty.duty_roster, name="duty_roster"),
    path("duty/<int:pk>/delete/", duty.duty_shift_remove, name="duty_shift_remove"),
    # data packages between levels
    path("exchange/", exchange.exchange_page, name="exchange"),
    path("exchange/import/", exchange.exchange_import, name="exchange_import"),
    path("exchange/export/", exchange.exchange_export, name="exchange_export"),
    # cases between instances (docs/architecture.md §6.2)
    path("exchange/peer/<int:pk>/send/", instances.package_send, name="exchange_send"),
    path("exchange/package/<int:pk>/resend/", instances.package_resend, name="exchange_resend"),
    path("exchange/item/<int:pk>/retry/", instances.outbox_item_retry, name="exchange_item_retry"),
    path("exchange/item/<int:pk>/drop/", instances.outbox_item_drop, name="exchange_item_drop"),
    path("instances/", instances.peers_page, name="peers"),
    path("instances/mark/", instances.peer_mark, name="peer_mark"),
    path("instances/<int:pk>/key/", instances.peer_key_add, name="peer_key_add"),
    path("instances/<int:pk>/limit/", instances.peer_limit, name="peer_limit"),
    path("instances/<int:pk>/deactivate/", instances.peer_deactivate, name="peer_deactivate"),
    path("instances/key/<int:pk>/deactivate/", instances.peer_key_deactivate, name="peer_key_deactivate"),
    # historical import from the Excel template
    path("history-import/", history_import.history_import_page, name="history_import"),
    path("history-import/template/", history_import.history_import_template, name="history_import_template"),
    path("history-import/upload/", history_import.history_import_upload, name="history_import_upload"),
    path("history-import/<int:pk>/", history_import.history_import_job, name="history_import_job"),
    path("history-import/<int:pk>/status/", history_import.history_import_status, name="history_import_status"),
    path("history-import/<int:pk>/run/", history_import.history_import_run, name="history_import_run"),
    path("history-import/<int:pk>/errors/", history_import.history_import_errors, name="history_import_errors"),
    # petitions by SMS: the log of received messages (the providers' callback is in config/urls.py)
    path("sms/", sms.sms_inbound_list, name="sms_inbound_list"),
]
