"""SocialHub: a self-hostable social platform built on Reflex."""
