"""Plain-language questions over the shipped content, each with what it means.

Written from the sense of each brief and term, in the words a reader would use, not
copied from the text (a word shared by chance is left in, as people do share words).
`bench/meaning.py` asks them of the shipped content alone and of the shipped content
inside a generated library of 10,000 briefs.
"""

from __future__ import annotations

BRIEF_QUESTIONS: tuple[tuple[str, str], ...] = (
    # ai-moratoriums-social-rupture
    ("can a ban on building bigger models ever hold", "ai-moratoriums-social-rupture"),
    ("would pausing ai research actually stop it", "ai-moratoriums-social-rupture"),
    ("is it pointless to try to freeze ai progress", "ai-moratoriums-social-rupture"),
    ("society resists being steered like a physics system", "ai-moratoriums-social-rupture"),
    ("inventions like gunpowder that change the world for good", "ai-moratoriums-social-rupture"),
    ("can humanity halt a technology once it has started", "ai-moratoriums-social-rupture"),
    ("an essay doubting that a halt on ai would last", "ai-moratoriums-social-rupture"),
    ("why stopping ai development is likely to fail", "ai-moratoriums-social-rupture"),
    ("technologies that permanently reshape society", "ai-moratoriums-social-rupture"),
    ("could governments agree to put ai on hold", "ai-moratoriums-social-rupture"),
    ("breakthroughs you cannot undo", "ai-moratoriums-social-rupture"),
    ("is a global pause on ai realistic", "ai-moratoriums-social-rupture"),
    ("argument that ai cannot be stopped", "ai-moratoriums-social-rupture"),
    ("quantum tunnelling analogy for society", "ai-moratoriums-social-rupture"),
    (
        "is it possible to put the brakes on artificial intelligence",
        "ai-moratoriums-social-rupture",
    ),
    ("halting progress of powerful models", "ai-moratoriums-social-rupture"),
    ("will a worldwide freeze on ai development work", "ai-moratoriums-social-rupture"),
    # ai-workflow-governance-operator
    ("proving an agent can only do what it is allowed", "ai-workflow-governance-operator"),
    (
        "mathematical proof that an ai system stays within its permissions",
        "ai-workflow-governance-operator",
    ),
    ("controlling what an ai agent does to the outside world", "ai-workflow-governance-operator"),
    ("gatekeeper for an ai's memory reads and api calls", "ai-workflow-governance-operator"),
    (
        "verified guardrails for agents written in a proof assistant",
        "ai-workflow-governance-operator",
    ),
    ("coq proof about governing ai pipelines", "ai-workflow-governance-operator"),
    (
        "can you restrict an ai's actions without making it weaker",
        "ai-workflow-governance-operator",
    ),
    ("checking every side effect of an automated system", "ai-workflow-governance-operator"),
    ("safety layer that does not change the computation", "ai-workflow-governance-operator"),
    ("twelve thousand lines of machine checked proofs", "ai-workflow-governance-operator"),
    ("permission system for ai tools with guarantees", "ai-workflow-governance-operator"),
    ("provably safe control over what software agents do", "ai-workflow-governance-operator"),
    ("does oversight cost an ai its power", "ai-workflow-governance-operator"),
    ("modular design for trustworthy ai automation", "ai-workflow-governance-operator"),
    ("policing the external calls of an ai", "ai-workflow-governance-operator"),
    ("a proof that supervision keeps the agent's goals intact", "ai-workflow-governance-operator"),
    (
        "verified oversight of what an ai system is permitted to do",
        "ai-workflow-governance-operator",
    ),
    # frontier-ai-risk-management-gaps
    ("why nobody agrees on how to manage the dangers", "frontier-ai-risk-management-gaps"),
    (
        "where current practice for handling hazards of advanced ai falls short",
        "frontier-ai-risk-management-gaps",
    ),
    (
        "are existing safety standards good enough for the newest models",
        "frontier-ai-risk-management-gaps",
    ),
    (
        "gaps in how labs assess and reduce threats from cutting edge systems",
        "frontier-ai-risk-management-gaps",
    ),
    ("the science of ai hazards is too young for consensus", "frontier-ai-risk-management-gaps"),
    (
        "a living online database of problems with ai safety processes",
        "frontier-ai-risk-management-gaps",
    ),
    (
        "regulators developers and academics need to work together on risks",
        "frontier-ai-risk-management-gaps",
    ),
    (
        "three kinds of problems in handling risks of powerful ai",
        "frontier-ai-risk-management-gaps",
    ),
    ("does iso 31000 style practice fit advanced ai", "frontier-ai-risk-management-gaps"),
    ("from planning to mitigation every step has holes", "frontier-ai-risk-management-gaps"),
    ("new dangers that old frameworks were not built for", "frontier-ai-risk-management-gaps"),
    ("poor implementation even when everyone agrees", "frontier-ai-risk-management-gaps"),
    ("review of hazard management for the most capable models", "frontier-ai-risk-management-gaps"),
    (
        "how well do companies handle the threats of state of the art ai",
        "frontier-ai-risk-management-gaps",
    ),
    (
        "open technical questions about keeping advanced systems safe",
        "frontier-ai-risk-management-gaps",
    ),
    ("paper on shortcomings in managing ai threats", "frontier-ai-risk-management-gaps"),
    (
        "do companies building powerful ai handle its hazards properly",
        "frontier-ai-risk-management-gaps",
    ),
    # ai-distillation-national-security
    ("copying a chatbot by studying its replies", "ai-distillation-national-security"),
    (
        "can china clone american models by learning from their answers",
        "ai-distillation-national-security",
    ),
    (
        "training a student model on a teacher's outputs to get around chip rules",
        "ai-distillation-national-security",
    ),
    ("is imitating a rival's ai a threat to the country", "ai-distillation-national-security"),
    (
        "dodging trade restrictions by learning from another model",
        "ai-distillation-national-security",
    ),
    (
        "does reproducing a model without its weights break the law",
        "ai-distillation-national-security",
    ),
    ("washington debate about chinese labs copying us ai", "ai-distillation-national-security"),
    ("catching up with leading models cheaply", "ai-distillation-national-security"),
    ("should america tighten rules on selling ai abroad", "ai-distillation-national-security"),
    ("stealing a model's skills through its public interface", "ai-distillation-national-security"),
    ("geopolitics of knock-off ai models", "ai-distillation-national-security"),
    ("working with allies to stop ai capabilities leaking", "ai-distillation-national-security"),
    ("is model cloning an existential danger or a nuisance", "ai-distillation-national-security"),
    (
        "protecting trade secrets of frontier labs from imitation",
        "ai-distillation-national-security",
    ),
    ("how rivals replicate a model from its answers", "ai-distillation-national-security"),
    ("closing the technology gap between china and the us", "ai-distillation-national-security"),
    # emergent-misalignment-feature-geometry
    (
        "training on one small job makes the model go bad everywhere",
        "emergent-misalignment-feature-geometry",
    ),
    (
        "why narrow fine tuning leads to broadly harmful behaviour",
        "emergent-misalignment-feature-geometry",
    ),
    (
        "harmful concepts sit near the ones you train so they move together",
        "emergent-misalignment-feature-geometry",
    ),
    (
        "using sparse autoencoders to reduce bad behaviour after training",
        "emergent-misalignment-feature-geometry",
    ),
    (
        "a chatbot turning nasty after being taught one narrow skill",
        "emergent-misalignment-feature-geometry",
    ),
    (
        "cutting misbehaviour by a third without losing skills",
        "emergent-misalignment-feature-geometry",
    ),
    (
        "geometry inside neural networks explains unexpected harm",
        "emergent-misalignment-feature-geometry",
    ),
    (
        "better than filtering training data to stop models going rogue",
        "emergent-misalignment-feature-geometry",
    ),
    (
        "overlapping internal representations cause side effects of tuning",
        "emergent-misalignment-feature-geometry",
    ),
    (
        "interpretability study of why adapted models misbehave",
        "emergent-misalignment-feature-geometry",
    ),
    (
        "retraining a language model can spoil it in unrelated areas",
        "emergent-misalignment-feature-geometry",
    ),
    ("safer customization of llms", "emergent-misalignment-feature-geometry"),
    (
        "how close together are good and bad features in a model",
        "emergent-misalignment-feature-geometry",
    ),
    (
        "reducing unwanted behaviour spread from specialised training",
        "emergent-misalignment-feature-geometry",
    ),
    (
        "what causes a model to become misaligned after tuning",
        "emergent-misalignment-feature-geometry",
    ),
    (
        "mapping neighbouring features to fix alignment problems",
        "emergent-misalignment-feature-geometry",
    ),
    # whole-brain-emulation-ai-safety
    ("running a human mind on a computer", "whole-brain-emulation-ai-safety"),
    ("when could we upload a brain into software", "whole-brain-emulation-ai-safety"),
    ("is simulating a person's brain safer than ai", "whole-brain-emulation-ai-safety"),
    ("how much would it cost per hour to run a digital brain", "whole-brain-emulation-ai-safety"),
    ("is funding brain simulation worth the money", "whole-brain-emulation-ai-safety"),
    ("mind uploading before superhuman ai arrives", "whole-brain-emulation-ai-safety"),
    ("copying a brain neuron by neuron in the 2040s", "whole-brain-emulation-ai-safety"),
    (
        "would a simulated human be more trustworthy than a machine",
        "whole-brain-emulation-ai-safety",
    ),
    ("digital people as a path to safety", "whole-brain-emulation-ai-safety"),
    ("decades away from emulating the brain", "whole-brain-emulation-ai-safety"),
    ("poor payoff of investing in brain copies", "whole-brain-emulation-ai-safety"),
    ("only a few seconds of simulated thought", "whole-brain-emulation-ai-safety"),
    ("could brain scans help us survive general ai", "whole-brain-emulation-ai-safety"),
    ("tens of thousands of dollars an hour for one simulation", "whole-brain-emulation-ai-safety"),
    ("forecast for recreating a brain in a machine", "whole-brain-emulation-ai-safety"),
    (
        "is a silicon copy of a person a good bet against extinction",
        "whole-brain-emulation-ai-safety",
    ),
    ("what would it cost to simulate an entire human brain", "whole-brain-emulation-ai-safety"),
)
"""(question, the id of the brief it means)."""

TERM_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("what do you call training a small model on a big one's answers", "Distillation"),
    ("teaching a student network to imitate a teacher", "Distillation"),
    ("rules limiting which chips can be sold to other countries", "Export controls"),
    ("government limits on shipping technology abroad", "Export controls"),
    ("legal ownership of inventions and trade secrets", "Intellectual property"),
    ("patents and copyrights", "Intellectual property"),
    ("protecting a country from outside threats", "National security"),
    ("a country's defence against foreign dangers", "National security"),
    ("countries racing to build the strongest ai first", "AI arms race"),
    ("competition that sacrifices caution for speed", "AI arms race"),
    ("the learned numbers inside a neural network", "Model weights"),
    ("the parameters a network learned during training", "Model weights"),
    ("a network trained on huge amounts of text to predict the next word", "Large language model"),
    ("what chat assistants are built on", "Large language model"),
    ("further training a model on a small targeted data set", "Fine-tuning"),
    ("adapting a pretrained network to a specific task", "Fine-tuning"),
    ("making ai pursue the goals its makers intend", "Alignment"),
    ("getting systems to follow human values", "Alignment"),
    ("a model behaving badly everywhere after narrow training", "Emergent misalignment"),
    ("research into what happens inside a neural network", "Interpretability"),
    ("reverse engineering the circuits of a model", "Interpretability"),
    ("a direction in activation space that stands for a concept", "Feature (interpretability)"),
    ("networks packing more concepts than they have dimensions", "Superposition"),
    ("a small network that splits activity into a few active features", "Sparse autoencoder"),
    ("proving with a computer that a system meets its specification", "Formal verification"),
    ("mathematical proof that software is correct for every input", "Formal verification"),
    ("the proof assistant that used to be called coq", "Rocq"),
    ("an interactive tool for writing machine checked proofs", "Rocq"),
    ("modelling programs that talk to the world as trees of events", "Interaction trees"),
    (
        "a component that decides which effects of an ai workflow may go ahead",
        "Governance operator",
    ),
    ("a wrapper that allows or blocks what an agent does outside", "Governance operator"),
    ("adding a control layer does not change what allowed runs compute", "Semantic transparency"),
    ("a governed system still reaches the result it aimed for", "Goal preservation"),
    ("laws institutions and practices that steer how ai is built", "AI governance"),
    ("the field of keeping ai from causing harm", "AI safety"),
    ("preventing accidents and misuse of artificial intelligence", "AI safety"),
    ("the most capable models at the cutting edge", "Frontier AI"),
    ("a structured process for identifying and reducing hazards", "Risk management"),
    ("a temporary halt to training bigger models", "Moratorium"),
    ("pausing development until safety catches up", "Moratorium"),
    ("an event after which society can never go back", "Social rupture"),
    ("recreating a specific human brain in software", "Whole brain emulation"),
    ("uploading a person's mind to a computer", "Whole brain emulation"),
    ("ai that matches humans at most intellectual tasks", "Artificial general intelligence"),
    (
        "a hypothetical machine as smart as a person at everything",
        "Artificial general intelligence",
    ),
    ("a danger that could wipe out humanity", "Existential risk"),
    ("threats of human extinction", "Existential risk"),
    ("the computing power used to train models", "Compute"),
    ("processor time spent running ai systems", "Compute"),
    ("how much benefit an investment gives for its cost", "Return on investment"),
    ("models trained on broad data that do many tasks under the eu act", "General-purpose AI"),
    (
        "an international initiative led by canada and france on responsible ai",
        "Global Partnership on AI",
    ),
)
"""(question, the glossary term it means), for `/define`."""

UNRELATED_QUESTIONS: tuple[str, ...] = (
    "banana bread recipe",
    "how do i bake sourdough bread",
    "best hiking boots for winter",
    "where can i park my car tonight",
    "football scores from last weekend",
    "how to repair a flat bicycle tyre",
    "cheap flights to lisbon in june",
    "what time does the pharmacy close",
    "how long should i boil an egg",
    "tips for growing tomatoes on a balcony",
    "who won the tennis final",
    "how to knit a wool scarf",
    "is it going to rain tomorrow",
    "chocolate cake without eggs",
    "how to clean a carpet stain",
    "guitar chords for beginners",
    "birthday party ideas for kids",
    "how to train a puppy to sit",
    "best coffee beans for espresso",
    "pizza delivery near me",
    "how many calories in an apple",
    "learn to play the piano fast",
    "what is the capital of peru",
    "how to change a car tyre",
    "romantic restaurants in paris",
    "yoga stretches for back pain",
    "how to paint a bedroom wall",
    "vegetarian lasagna with spinach",
    "when is the next full moon",
    "how to fold a paper airplane",
)
"""Questions about nothing in the content: nothing must be found or offered."""
