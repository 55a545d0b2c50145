from django.urls import path

from . import feed_views, share_views

app_name = "feed"

urlpatterns = [
    path("", feed_views.index, name="index"),
    path("<int:pk>/", feed_views.detail, name="detail"),
    path("<int:pk>/asset/", feed_views.asset, name="asset"),
    path("<int:pk>/save/", feed_views.save, name="save"),
    path("<int:pk>/dismiss/", feed_views.dismiss, name="dismiss"),
    path("<int:pk>/share/", share_views.suggestion_share, name="share"),
    path("shares/<int:pk>/revoke/", share_views.revoke, name="share_revoke"),
]
