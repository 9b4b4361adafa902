app_name = "starting"
urlpatterns = []
