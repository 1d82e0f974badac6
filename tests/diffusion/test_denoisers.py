import pytest
import torch

from imbdiff.diffusion.denoisers import (
    DENOISERS,
    SEMSTDenoiser,
    SoftThreshold,
    make_denoiser,
)

SMALL = {
    "mlp": {"hidden": (32, 32), "dim": 16},
    "resnet": {"width": 16, "hidden": 32, "dim": 16},
    "semst": {"width": 16, "n_heads": 2},
}


def _inputs(n=6, f=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, f, generator=g), torch.randint(0, 100, (n,), generator=g)


@pytest.mark.parametrize("name", sorted(DENOISERS))
def test_shape_gradients_and_batch_independence(name):
    torch.manual_seed(0)
    net = make_denoiser(name, 5, **SMALL[name])
    x, t = _inputs()
    out = net(x, t, None)
    assert out.shape == x.shape
    out.sum().backward()
    assert all(p.grad is not None for p in net.parameters() if p.requires_grad)
    # A row's prediction must not depend on the other rows of its batch.
    torch.testing.assert_close(net(x[:1], t[:1], None), net(x, t, None)[:1])


@pytest.mark.parametrize("name", sorted(DENOISERS))
def test_class_conditioning(name):
    torch.manual_seed(0)
    net = make_denoiser(name, 5, n_classes=2, **SMALL[name])
    x, t = _inputs()
    zeros = torch.zeros(6, dtype=torch.long)
    ones = torch.ones(6, dtype=torch.long)
    assert not torch.allclose(net(x, t, zeros), net(x, t, ones))
    with pytest.raises(ValueError, match="pass y"):
        net(x, t, None)


def test_soft_threshold_really_zeroes_entries():
    # A pure gate (h * s) never gives an exact zero for nonzero h; shrinkage
    # zeroes the smallest entries of every token whose magnitudes differ.
    torch.manual_seed(0)
    shrink = SoftThreshold(n_tokens=7)
    h = torch.randn(16, 7, 12)
    out = shrink(h)
    zeros_per_token = (out == 0).sum(dim=-1)
    assert bool((zeros_per_token > 0).all())
    kept = out != 0
    # Kept entries keep their sign and shrink towards zero.
    assert bool((torch.sign(out[kept]) == torch.sign(h[kept])).all())
    assert bool((out.abs() <= h.abs()).all())


def test_semst_blocks_shrink_inside_the_network():
    torch.manual_seed(0)
    net = make_denoiser("semst", 5, width=16, n_heads=2)
    seen = []
    for block in net.blocks:
        block.shrink.register_forward_hook(lambda m, i, o: seen.append(o))
    x, t = _inputs()
    net(x, t, None)
    assert len(seen) == 2
    assert all(bool((o == 0).any()) for o in seen)


def test_semst_switches():
    plain = make_denoiser(
        "semst", 5, width=16, n_heads=2, attention=False, shrinkage=False
    )
    kinds = {type(m).__name__ for m in plain.modules()}
    assert "_SelfAttention" not in kinds
    assert "SoftThreshold" not in kinds
    torch.manual_seed(0)
    a = make_denoiser("semst", 5, width=16, n_heads=2, residual=True)
    torch.manual_seed(0)
    b = make_denoiser("semst", 5, width=16, n_heads=2, residual=False)
    x, t = _inputs()
    assert not torch.allclose(a(x, t, None), b(x, t, None))


@pytest.mark.parametrize("name", sorted(DENOISERS))
def test_attribute_widths_give_the_encoded_width(name):
    torch.manual_seed(0)
    net = make_denoiser(name, [1, 3, 2], **SMALL[name])
    x, t = _inputs(f=6)
    out = net(x, t, None)
    assert out.shape == (6, 6)
    torch.testing.assert_close(net(x[:2], t[:2], None), out[:2])


def test_semst_has_one_token_per_attribute():
    torch.manual_seed(0)
    net = make_denoiser("semst", [1, 4, 1, 3], width=16, n_heads=2)
    seen = []
    net.blocks[0].register_forward_hook(lambda m, i, o: seen.append(o))
    x, t = _inputs(f=9)
    net(x, t, None)
    assert seen[0].shape == (6, 4, 16)
    # All-numeric data: one token per column, as many tokens as columns.
    numeric = make_denoiser("semst", 5, width=16, n_heads=2)
    numeric.blocks[0].register_forward_hook(lambda m, i, o: seen.append(o))
    numeric(*_inputs(), None)
    assert seen[1].shape == (6, 5, 16)


def test_time_embedding_is_the_same_for_shared_and_distinct_steps():
    # Rows that share a step are embedded once; the result must not change.
    torch.manual_seed(0)
    net = make_denoiser("mlp", 5, **SMALL["mlp"])
    x, _ = _inputs()
    t = torch.tensor([7, 7, 3, 7, 3, 9])
    together = net(x, t, None)
    alone = torch.cat([net(x[i : i + 1], t[i : i + 1], None) for i in range(6)])
    torch.testing.assert_close(together, alone)


def test_bad_denoiser_arguments():
    with pytest.raises(ValueError, match="unknown denoiser"):
        make_denoiser("transformer", 3)
    with pytest.raises(ValueError, match="bad options"):
        make_denoiser("mlp", 3, depth=4)
    with pytest.raises(ValueError, match="must divide"):
        make_denoiser("semst", 3, width=10, n_heads=4)
    with pytest.raises(ValueError, match="ff_multiplier must be a positive integer"):
        make_denoiser("semst", 3, ff_multiplier=0)
    with pytest.raises(ValueError, match="at least one column"):
        make_denoiser("mlp", [2, 0])
    with pytest.raises(ValueError, match="attribute widths"):
        make_denoiser("semst", None)


def test_semst_feed_forward_width():
    net = make_denoiser("semst", 3, width=8, ff_multiplier=3)
    assert net.blocks[0].feed_forward[0].out_features == 24
    assert net(*_inputs(f=3), None).shape == (6, 3)


@pytest.mark.parametrize("tokens", [7, 16, 40])  # both softmaxes
def test_semst_attention_is_scaled_dot_product_attention(tokens):
    from imbdiff.diffusion.denoisers.semst import _SelfAttention

    torch.manual_seed(0)
    # In double precision, so that the sums' orders do not matter.
    attention = _SelfAttention(16, 2, 0.0).eval().double()
    h = (torch.randn(5, tokens, 16, dtype=torch.float64) * 3).requires_grad_()
    q, k, v = attention.qkv(h).view(5, tokens, 3, 2, 8).permute(2, 0, 3, 1, 4)
    expected = attention.out(
        torch.nn.functional.scaled_dot_product_attention(q, k, v)
        .transpose(1, 2)
        .reshape(5, tokens, 16)
    )
    _assert_same_values_and_gradients(
        attention(h), expected, [h, *attention.parameters()]
    )


def test_soft_threshold_gradients_are_those_of_its_formula():
    torch.manual_seed(0)
    shrink = SoftThreshold(n_tokens=4).double()
    h = torch.randn(6, 4, 8, dtype=torch.float64, requires_grad=True)
    out = shrink(h)
    magnitude = h.abs().mean(dim=-1)
    theta = (magnitude * torch.sigmoid(shrink.scale(magnitude))).unsqueeze(-1)
    expected = torch.sign(h) * torch.relu(h.abs() - theta)
    _assert_same_values_and_gradients(out, expected, [h, *shrink.parameters()])
    with torch.no_grad():  # without a backward, the formula itself
        torch.testing.assert_close(shrink(h), expected)


def _assert_same_values_and_gradients(out, expected, inputs):
    """The hand-written backward gives autograd's gradients of the formula."""
    torch.testing.assert_close(out, expected)
    grad = torch.randn_like(out)
    ours = torch.autograd.grad(out, inputs, grad, retain_graph=True)
    theirs = torch.autograd.grad(expected, inputs, grad, retain_graph=True)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b)


def test_semst_conditions_every_block_when_asked():
    torch.manual_seed(0)
    plain = SEMSTDenoiser(3, width=8, n_blocks=2)
    film = SEMSTDenoiser(3, width=8, n_blocks=2, condition_every_block=True)
    assert all(block.film is None for block in plain.blocks)
    assert all(block.film is not None for block in film.blocks)
    h = torch.randn(5, 3, 8)
    early = film.condition(torch.zeros(5, dtype=torch.long), None)
    late = film.condition(torch.full((5,), 900), None)
    block = film.blocks[0]
    # The modulation starts as the identity: the block ignores the step...
    assert torch.equal(block(h, early), block(h, late))
    # ...and once trained (here: set), the same tokens give step-dependent output.
    torch.nn.init.normal_(block.film.weight)
    assert not torch.allclose(block(h, early), block(h, late))
    # Without the option a block sees no step at all.
    assert torch.equal(plain.blocks[0](h, early), plain.blocks[0](h, late))
    x, t = torch.randn(5, 3), torch.arange(5)
    assert film(x, t, None).shape == (5, 3)


def test_semst_groups_the_attributes_of_a_wide_table():
    net = SEMSTDenoiser([1] * 100 + [3], max_tokens=16)
    assert net.n_tokens == 16
    sizes = torch.bincount(net.token_of[:101])  # attributes per token
    assert int(sizes.max() - sizes.min()) <= 1
    # The nominal attribute's three columns share one token.
    assert len(set(net.token_of[100:].tolist())) == 1
    x = torch.zeros(4, 103)
    t = torch.zeros(4, dtype=torch.long)
    assert net(x, t, None).shape == (4, 103)
    # Columns that share a token still get their own noise.
    x = torch.randn(4, 103, generator=torch.Generator().manual_seed(0))
    out = net(x, t, None)
    assert not torch.allclose(out[:, 0], out[:, 1])
    # The default bound leaves 64 attributes one token each, and groups a
    # table over it into 32 tokens (as many as the bound if asked; never more).
    assert SEMSTDenoiser(64).token_of is None
    assert SEMSTDenoiser(65).n_tokens == 32
    assert SEMSTDenoiser(65, grouped_tokens=None).n_tokens == 64
    assert SEMSTDenoiser(65, max_tokens=None).n_tokens == 65
    assert SEMSTDenoiser(65, max_tokens=16).n_tokens == 16


def test_semst_parameters_grow_linearly_with_the_columns_when_grouped():
    def count(columns: int, max_tokens) -> int:
        net = SEMSTDenoiser(columns, max_tokens=max_tokens)
        return sum(p.numel() for p in net.parameters())

    grouped = [count(n, 64) for n in (500, 1000, 1500)]
    assert grouped[2] - grouped[1] == grouped[1] - grouped[0]
    ungrouped = [count(n, None) for n in (500, 1000, 1500)]
    assert ungrouped[2] - ungrouped[1] > ungrouped[1] - ungrouped[0]  # quadratic


@pytest.mark.parametrize(
    ("widths", "max_tokens"),
    [
        ([1, 4, 1, 3], 64),
        ([1] * 40 + [5, 1, 7], 16),
        ([3, 2], 64),
        ([1] * 9, 4),
        ([1] * 25 + [3, 5, 10, 50, 300], 64),  # one-hot blocks, one per batch
        ([2, 1, 30, 1, 3, 3, 1, 17, 2], 64),  # batches padded and interleaved
        ([1] * 100 + [6, 1, 2], 8),  # groups of 12 to 14 columns
        ([1, 1, 4, 3], 64),  # padding only after the last column
        ([1] * 127, 64),  # grouped, the last group one narrower
    ],
)
def test_semst_tokens_are_the_sums_of_their_columns(widths, max_tokens):
    # The block products must give what the definition does: each token the
    # sum of its columns' values times their vectors, each column's noise its
    # token's output times the column's own vector.
    torch.manual_seed(0)
    net = SEMSTDenoiser(widths, max_tokens=max_tokens)
    x = torch.randn(5, sum(widths))
    columns = x.unsqueeze(-1) * net.column_weight
    expected = columns.new_zeros(5, net.n_tokens, 16).index_add_(
        1, net.token_of, columns
    )
    torch.testing.assert_close(net._embed(x), expected)
    h = torch.randn(5, net.n_tokens, 16)
    expected = (h[:, net.token_of] * net.head_weight).sum(dim=-1)
    torch.testing.assert_close(net._head(h), expected)
