"""Ask-AI conversations: a simulated user phrases automation requests from the home's devices
(`intents`, `phrasing`, `clock`), a resolver reads the words and answers with an automation
(`parsing`, `resolver`), and the labeller judges the answer against ground truth (`labels`);
`conversations` runs the stage for one home."""
