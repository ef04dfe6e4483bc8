"""The chapter 3 static view over the study's settings (overfitting.study_view): built from runs the study did,
one frame per setting, and a clear error for a checkpoint the study does not have."""

import pytest

from minigpt.explore import SliderView
from minigpt.runs import ResultCache
from minigpt.studies.overfitting import overfitting_explorer, regularizer_study, study_view

TINY = {"steps": 4, "n_stories": 4, "n_samples": 2, "world_seed": 0}
SETTINGS = {"none": {}, "embedding noise 5": {"emb_noise_alpha": 5.0}, "stochastic depth 0.1": {"drop_path": 0.1}}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    cache = ResultCache(tmp_path_factory.mktemp("view"))
    study = regularizer_study(cache, workers=1, settings=SETTINGS, seeds=[0], fixed=TINY)
    return cache, study, overfitting_explorer(cache=cache, **TINY)


def test_one_frame_per_setting_from_the_study_runs(built):
    cache, study, explorer = built
    misses = cache.misses
    view = study_view(explorer, study)
    assert isinstance(view, SliderView) and view.values == list(SETTINGS)
    assert cache.misses == misses  # it trains and looks up nothing: the frames are the study's runs
    for label, frame in zip(SETTINGS, view.frames, strict=True):
        assert frame.count("<img") == 1 and label in frame and "novel-valid" in frame
    page = view.to_html()
    assert 'type="range"' in page and "seed 0" in page


def test_a_checkpoint_the_study_lacks_is_a_clear_error(built):
    _, study, explorer = built
    with pytest.raises(ValueError, match="checkpoint"):
        study_view(explorer, study, checkpoint="halfway")
    assert study_view(explorer, study, checkpoint="best_val").frames
