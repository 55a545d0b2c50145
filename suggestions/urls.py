"""The app's pages by URL namespace. A namespace may gather pages of several features: a saved
edit is reached from its photo under /library/, a share link is made from the feed."""

from .edits import urls as edits_urls
from .feed import urls as feed_urls
from .library import urls as library_urls
from .people import urls as people_urls
from .sharing import urls as sharing_urls

library = ([*library_urls.urlpatterns, *edits_urls.urlpatterns, *sharing_urls.library_patterns], "library")
people = (people_urls.urlpatterns, "people")
feed = ([*feed_urls.urlpatterns, *sharing_urls.feed_patterns], "feed")
share = (sharing_urls.urlpatterns, "share")
