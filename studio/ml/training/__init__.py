"""Training: the shared loop, each kind's recipe, settings, plans, fine-tuning and evaluation."""
