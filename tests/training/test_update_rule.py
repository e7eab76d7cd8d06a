"""Update-rule optimizers: decoded rules take exactly the steps of SGD, momentum, Adam, AdamW,
RMSProp, PowerSign and AddSign; the generated optimizer.py takes the in-library one's steps; the
trainer trains a graph with its rule or a file's optimizer, and a rule that blows up fails the
trial."""

import importlib.util
from dataclasses import replace

import pytest
import torch

from graphnas.graph import load_example
from graphnas.graph.update_rule_code import optimizer_source
from graphnas.tasks import get_task
from graphnas.training import Budget, TrainConfig, train
from graphnas.training.update_rule import UpdateRuleOptimizer

STEPS, LR, BETA1, BETA2 = 10, 1e-2, 0.9, 0.999
X = torch.randn(32, 6, generator=torch.Generator().manual_seed(0))
Y = torch.randn(32, 2, generator=torch.Generator().manual_seed(1))


@pytest.fixture(autouse=True, scope="module")
def one_thread():  # tiny tensors: more threads only wait for each other
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))


def _trajectory(make) -> list[list[torch.Tensor]]:
    """The parameters after each of ``STEPS`` steps of ``make(params)``'s optimizer."""
    model = _model()
    opt = make(list(model.parameters()))
    out = []
    torch.manual_seed(5)  # drop's masks
    for _ in range(STEPS):
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(X), Y).backward()
        opt.step()
        out.append([p.detach().clone() for p in model.parameters()])
    return out


def _same(a, b, atol=1e-6) -> None:
    for step, (pa, pb) in enumerate(zip(a, b, strict=True)):
        for x, y in zip(pa, pb, strict=True):
            assert torch.allclose(x, y, atol=atol, rtol=0), f"step {step + 1}"


class SignReference(torch.optim.Optimizer):
    """PowerSign (w -= lr * e^(sign g * sign m) g) and AddSign (w -= lr * (1 + sign g * sign m)
    g) as Bello et al. write them, m the running average of g."""

    def __init__(self, params, lr, kind):
        super().__init__(params, {"lr": lr})
        self.kind = kind

    @torch.no_grad()
    def step(self):
        for p in self.param_groups[0]["params"]:
            m = self.state[p].setdefault("m", torch.zeros_like(p))
            m.mul_(BETA1).add_(p.grad * (1 - BETA1))
            agree = torch.sign(p.grad) * torch.sign(m)
            scale = torch.exp(agree) if self.kind == "powersign" else 1 + agree
            p.sub_(self.param_groups[0]["lr"] * scale * p.grad)


def _rule(rule, lr=LR, **kw):
    return lambda p: UpdateRuleOptimizer(p, rule, lr=lr, **kw)


KNOWN = {
    "sgd": (_rule("keep_left(g, one)"), lambda p: torch.optim.SGD(p, lr=LR)),
    "momentum": (_rule("keep_left(m, two)", lr=LR / (1 - BETA1)),
                 lambda p: torch.optim.SGD(p, lr=LR, momentum=BETA1)),
    "adam": (_rule("keep_left(adam, g)"), lambda p: torch.optim.Adam(p, lr=LR)),
    "adamw": (_rule("adam", weight_decay=0.1),
              lambda p: torch.optim.AdamW(p, lr=LR, weight_decay=0.1)),
    "rmsprop": (_rule("rmsprop"), lambda p: torch.optim.RMSprop(p, lr=LR, alpha=BETA2,
                                                                 eps=1e-8)),
    "powersign": (_rule("mul(exp(mul(sign_g, sign_m)), g)"),
                  lambda p: SignReference(p, LR, "powersign")),
    "addsign": (_rule("mul(add(mul(sign_g, sign_m), one), g)"),
                lambda p: SignReference(p, LR, "addsign")),
}


@pytest.mark.parametrize("name", KNOWN)
def test_decoded_rules_take_the_steps_of_known_optimizers(name):
    ours, reference = KNOWN[name]
    _same(_trajectory(ours), _trajectory(reference))


def _generated(rule, tmp_path):
    path = tmp_path / "optimizer.py"
    path.write_text(optimizer_source(rule))
    spec = importlib.util.spec_from_file_location("generated_optimizer", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert "graphnas" not in {n.split(".")[0] for n in vars(module) if not n.startswith("_")}
    return module.OPTIMIZER


@pytest.mark.parametrize("rule", [
    "mul(exp(mul(sign_g, sign_m)), g)",
    "sub(drop(div(g3, v)), neg(keep_left(clip(sqrt_abs(adam)), two)))",
    "add(mul(log_abs(rmsprop), sign(g2)), exp(one))",
])
def test_the_generated_optimizer_takes_the_in_library_steps(rule, tmp_path):
    cls = _generated(rule, tmp_path)
    assert "import graphnas" not in (tmp_path / "optimizer.py").read_text()
    _same(_trajectory(lambda p: cls(p, lr=LR, weight_decay=0.01)),
          _trajectory(_rule(rule, weight_decay=0.01)), atol=0)


@pytest.fixture(scope="module")
def digits():
    return get_task("digits")


FAST = TrainConfig(eval_every=20, threads=1, batch_size=32)


def test_a_graph_trains_with_its_rule_and_a_file_with_its_optimizer(digits, tmp_path):
    graph = replace(load_example("cnn2d"), update_rule="mul(exp(mul(sign_g, sign_m)), g)")
    ruled = train(graph, digits, Budget(steps=30), FAST)
    plain = train(load_example("cnn2d"), digits, Budget(steps=30), FAST)
    assert ruled.ok and ruled.curve != plain.curve
    path = tmp_path / "optimizer.py"
    path.write_text(optimizer_source(graph.update_rule))
    from_file = train(load_example("cnn2d"), digits, Budget(steps=30),
                      replace(FAST, optimizer=str(path)))
    assert from_file.ok and from_file.curve == ruled.curve


def test_a_rule_that_blows_up_is_a_failed_trial_not_a_crash(digits):
    graph = replace(load_example("cnn2d"), update_rule="exp(exp(div(one, g2)))")
    result = train(graph, digits, Budget(steps=20), FAST)
    assert result.status == "failed" and result.score is None
    assert "non-finite" in result.error


def test_rule_and_file_optimizers_step_eagerly_on_a_gpu():
    from graphnas.training.steps import capture_problem

    gpu, params = torch.device("cuda"), [torch.nn.Parameter(torch.zeros(2))]
    assert capture_problem(gpu, "auto", torch.optim.AdamW(params)) is None
    assert capture_problem(gpu, "auto", UpdateRuleOptimizer(params, "adam")) == \
        "eager (UpdateRuleOptimizer may keep host-side state)"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_a_rule_trains_on_a_gpu(digits):
    graph = replace(load_example("cnn2d"), update_rule="mul(exp(mul(sign_g, sign_m)), g)")
    result = train(graph, digits, Budget(steps=30), replace(FAST, device="cuda"))
    assert result.ok and result.step_mode.startswith("eager (UpdateRuleOptimizer")
