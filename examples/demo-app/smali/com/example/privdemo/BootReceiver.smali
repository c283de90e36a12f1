.class public Lcom/example/privdemo/BootReceiver;
.super Landroid/content/BroadcastReceiver;
.source "BootReceiver.java"

# Exported BOOT_COMPLETED receiver: starts the push SDK (and its identifier
# collection) at boot, without the user ever opening the app.


.method public constructor <init>()V
    .locals 0

    invoke-direct {p0}, Landroid/content/BroadcastReceiver;-><init>()V

    return-void
.end method


.method public onReceive(Landroid/content/Context;Landroid/content/Intent;)V
    .locals 0

    invoke-static {p1}, Lcn/jpush/android/api/JPushInterface;->init(Landroid/content/Context;)V

    return-void
.end method
