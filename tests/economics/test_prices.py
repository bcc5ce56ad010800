import pytest

from mine2magnet.economics.prices import available_price_decks, basket_price, load_price_deck
from mine2magnet.errors import ConfigError

DECKS = ["china_domestic_2026q1", "ex_china_spot_2026q1", "trough_2024"]


def test_the_three_decks_ship():
    assert available_price_decks() == DECKS


@pytest.mark.parametrize("name", DECKS)
def test_every_price_has_source_and_date(name):
    deck = load_price_deck(name)
    for sp in ("La2O3", "CeO2", "Pr6O11", "Nd2O3", "Dy2O3", "Tb4O7", "Y2O3", "Sm2O3"):
        p = deck.oxides[sp]
        assert p.usd_kg >= 0 and p.source and p.date
        if p.low is not None:
            assert p.low <= p.usd_kg <= p.high


def test_values_from_domain_md():
    ex = load_price_deck("ex_china_spot_2026q1")
    assert (ex.price("Nd2O3"), ex.price("Dy2O3"), ex.price("Tb4O7")) == (110.0, 290.0, 1150.0)
    cn = load_price_deck("china_domestic_2026q1")
    assert (cn.price("Pr6O11"), cn.price("Dy2O3"), cn.price("Tb4O7")) == (95.0, 178.0, 771.0)
    tr = load_price_deck("trough_2024")
    assert tr.price("Nd2O3") == 54.0 and tr.oxides["Nd2O3"].low == 51.0
    # the ex-China premium and the trough are ordered as the market was
    assert tr.price("Nd2O3") < cn.price("Nd2O3") < ex.price("Nd2O3")


def test_unknown_deck_lists_alternatives():
    with pytest.raises(ConfigError, match="ex_china_spot_2026q1"):
        load_price_deck("spot")


def test_overrides_keep_provenance_and_do_not_mutate():
    deck = load_price_deck("trough_2024")
    new = deck.with_overrides({"Nd2O3": 70.0, "Ho2O3": 60.0}, source="client deck 2026")
    assert new.price("Nd2O3") == 70.0 and new.oxides["Ho2O3"].source == "client deck 2026"
    assert deck.price("Nd2O3") == 54.0 and "Ho2O3" not in deck.oxides
    with pytest.raises(ConfigError):
        deck.with_overrides({"Nd2O3": -1.0}, source="x")


def test_basket_price_reports_unpriced_species():
    value, unpriced = basket_price({"Nd2O3": 0.5, "Ho2O3": 0.1}, {"Nd2O3": 100.0})
    assert value == 50.0 and unpriced == ["Ho2O3"]
