from django.shortcuts import render

from statements.models import Meeting


def home(request):
    meetings = Meeting.objects.all()
    return render(request, "statements/home.html", {"meetings": meetings})


def meeting(request, slug):
    raise NotImplementedError


utterance = speaker = topic = meeting
