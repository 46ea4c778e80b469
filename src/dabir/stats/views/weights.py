"""«وزن‌های شاخص»: a supervisor sets the paperless index's weights — the national default for the
national office, their own province's for a province's office. The write is services/weights.py's."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path

from dabir.core.errors import DomainError, NotAllowed

from .. import periods, policy, selectors
from ..forms import WeightsForm
from ..models import IndexWeights
from ..services import weights as service


@login_required
def weights(request):
    province = policy.weights_province(request.user)
    if province is None:
        raise NotAllowed(service.NOT_ALLOWED)
    effective = selectors.weights_for(province)
    own = effective.pk is not None and effective.province == province
    form = WeightsForm(request.POST or None, initial=WeightsForm.initial_from(effective))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            service.set_weights(user=request.user, province=province, print_cap=d["print_cap"],
                                **{name: d[name] for name in IndexWeights.COMPONENTS})
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "وزن‌های شاخص ذخیره شد؛ رتبه‌بندی‌ها از همین حالا با این وزن‌ها حساب می‌شوند.")
            return redirect("stats:weights")
    period = periods.current()
    scope = policy.visible_agencies(request.user)
    if province:
        scope = scope.filter(province=province)
    top = [r for r in selectors.ranking(scope, period) if r.rank is not None][:5]
    return render(request, "stats/weights.html", {
        "form": form, "province": province, "own": own, "effective": effective, "top": top, "period": period,
    }, status=400 if request.method == "POST" else 200)


urlpatterns = [path("weights/", weights, name="weights")]
