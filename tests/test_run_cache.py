"""backprop_lib.run_cache: lru_cache, and with BACKPROP_LIB_RUN_CACHE set one result per run."""

import pickle

from backprop_lib import run_cache

calls = []


@run_cache.memo(maxsize=8)
def square(x, power=2):
    calls.append(x)
    return {"value": x ** power}


@run_cache.memo(maxsize=8)
def constant(x):
    calls.append(x)
    return 1


@run_cache.memo(maxsize=8)
def unpicklable(x):
    calls.append(x)
    return lambda: x


def test_without_the_variable_it_is_lru_cache(monkeypatch, tmp_path):
    monkeypatch.delenv(run_cache.ENV, raising=False)
    square.cache_clear()
    calls.clear()
    assert square(3) == {"value": 9} and square(3) is square(3)
    assert calls == [3]
    square.cache_clear()
    square(3)
    assert calls == [3, 3]  # nothing kept outside the process
    assert list(tmp_path.iterdir()) == []


def test_with_the_variable_another_process_reads_the_result(monkeypatch, tmp_path):
    monkeypatch.setenv(run_cache.ENV, str(tmp_path))
    square.cache_clear()
    calls.clear()
    assert square(4, power=3) == {"value": 64}
    files = list(tmp_path.glob("*.pkl"))
    assert len(files) == 1 and pickle.loads(files[0].read_bytes()) == {"value": 64}
    square.cache_clear()  # as a new process would start
    assert square(4, power=3) == {"value": 64} and calls == [4]  # read, not computed
    assert square(4, power=2) == {"value": 16} and calls == [4, 4]  # other arguments: computed
    assert not list(tmp_path.glob("*.tmp"))


def test_what_cannot_be_pickled_is_computed_and_not_shared(monkeypatch, tmp_path):
    monkeypatch.setenv(run_cache.ENV, str(tmp_path))
    unpicklable.cache_clear()
    calls.clear()
    assert unpicklable(5)() == 5
    assert list(tmp_path.iterdir()) == []  # no file, no leftover temporary
    assert constant(lambda: 0) == 1  # an argument pickle refuses
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_file_is_computed_again(monkeypatch, tmp_path):
    monkeypatch.setenv(run_cache.ENV, str(tmp_path))
    square.cache_clear()
    calls.clear()
    square(6)
    (path,) = tmp_path.glob("*.pkl")
    path.write_bytes(b"not a pickle")
    square.cache_clear()
    assert square(6) == {"value": 36} and calls == [6, 6]
