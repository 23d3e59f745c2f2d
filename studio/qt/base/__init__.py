"""What every part of the window stands on: the pool bridge, notices, QImage conversion, actions."""
