"""The problem desk's pages, mounted under /problems/ by applications/urls.py (names in the applications namespace)."""
from django.urls import path

from applications.problems import views

urlpatterns = [
    path("", views.queue, name="problem_queue"),
    path("file/", views.file, name="problem_file"),
    path("file/done/", views.filed, name="problem_filed"),
    path("follow/", views.follow, name="problem_follow"),
    path("mine/", views.mine, name="problem_mine"),
    path("record/", views.record, name="problem_record"),
    path("<int:pk>/", views.ticket, name="problem"),
    path("<int:pk>/assign/", views.assign, name="problem_assign"),
    path("<int:pk>/reply/", views.reply, name="problem_reply"),
    path("<int:pk>/follow-up/", views.follow_up, name="problem_follow_up"),
    path("<int:pk>/close/", views.close, name="problem_close"),
]
