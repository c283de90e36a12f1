.class public Lcom/example/privdemo/DemoApplication;
.super Landroid/app/Application;
.source "DemoApplication.java"

# The Application class initialises the analytics SDK as soon as the process starts,
# before any screen and so before the user can agree to the privacy policy (M191-3.1).


.method public constructor <init>()V
    .locals 0

    invoke-direct {p0}, Landroid/app/Application;-><init>()V

    return-void
.end method


.method public onCreate()V
    .locals 0

    invoke-super {p0}, Landroid/app/Application;->onCreate()V

    invoke-static {p0}, Lcom/umeng/commonsdk/UMConfigure;->init(Landroid/content/Context;)V

    return-void
.end method
