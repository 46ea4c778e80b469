"""Supervision forms. Values are typed as text (Persian or Latin digits) and checked by the same
parsers the services use, so every field's error shows at once and nothing typed is lost."""

from decimal import Decimal

from django import forms

from dabir.core.errors import DomainError
from dabir.core.text import to_persian_digits

from .figures import COMPONENT_LABELS
from .models import IndexWeights
from .services import weights as weight_service


class WeightsForm(forms.Form):
    print_cap = forms.CharField(label="سقف صفحه چاپی به ازای هر نامه", max_length=12, required=False,
                                help_text="از این تعداد صفحه چاپی به ازای هر نامه به بالا، امتیاز کم‌چاپی صفر است (۰٫۵ تا ۲۰).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = {name: forms.CharField(label=label, max_length=12, required=False)
                  for name, label in COMPONENT_LABELS.items()}
        fields["print_cap"] = self.fields["print_cap"]
        self.fields = fields

    @staticmethod
    def initial_from(row: IndexWeights) -> dict:
        cap = Decimal(str(row.print_cap)).normalize()
        return {**{k: to_persian_digits(v) for k, v in row.as_dict().items()},
                "print_cap": to_persian_digits(f"{cap:f}").replace(".", "٫")}

    def components(self):
        return [self[name] for name in IndexWeights.COMPONENTS]

    def clean(self):
        data = super().clean()
        for name in IndexWeights.COMPONENTS:
            try:
                data[name] = weight_service.parse_weight(data.get(name), name)
            except DomainError as exc:
                self.add_error(name, exc.message)
        try:
            data["print_cap"] = weight_service.parse_print_cap(data.get("print_cap"))
        except DomainError as exc:
            self.add_error("print_cap", exc.message)
        if not self.errors and not any(data[name] for name in IndexWeights.COMPONENTS):
            raise forms.ValidationError("دست‌کم یکی از وزن‌ها باید بیش از صفر باشد.")
        return data
