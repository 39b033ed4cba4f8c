from django import template

from vault.lib import human_size

register = template.Library()

register.filter("human_size", human_size)
