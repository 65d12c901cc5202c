"""What search engines and link previews read in a page's head: descriptions of the public
static pages, and `noindex` on the private ones (a member's messages or settings are nobody's
search result). Posts and profiles get theirs from socialhub/api/previews.py."""

from __future__ import annotations

SITE_DESCRIPTION = (
    "SocialHub: share posts and photos, follow people, and chat with friends and groups."
)
EXPLORE_DESCRIPTION = (
    "Public posts from everyone on SocialHub, newest first, and trending hashtags."
)
TAG_DESCRIPTION = "Public posts with this hashtag on SocialHub."
LOGIN_DESCRIPTION = "Log in to SocialHub to post, reply, follow people and chat."
SIGNUP_DESCRIPTION = "Create your SocialHub account: posts, photos, follows and chats, free."
POST_DESCRIPTION = "A post on SocialHub."
PROFILE_DESCRIPTION = "A profile on SocialHub."

NOINDEX = [{"name": "robots", "content": "noindex"}]
