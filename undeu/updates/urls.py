app_name = "updates"
urlpatterns = []
