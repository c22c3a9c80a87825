from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def index(request):
    return render(request, "education/index.html")


@require_GET
def condition_list(request):
    return render(request, "education/index.html")


@require_GET
def article_detail(request, slug):
    raise Http404("No such article")
