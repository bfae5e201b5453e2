"""Greenroom: a pre-interview device check measured on the real WebRTC path."""
