"""flytekit's ``flytekit.extras`` module paths: task kinds beyond ``@task`` (``extras.tasks``),
PyTorch types (``extras.pytorch``) and TensorFlow types (``extras.tensorflow``); torch and
tensorflow are imported only when a type of theirs is used."""
