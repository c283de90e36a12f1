.class final Lcom/example/privdemo/MainActivity$ConsentListener;
.super Ljava/lang/Object;
.source "MainActivity.java"

# interfaces
.implements Landroid/content/DialogInterface$OnClickListener;

.annotation system Ldalvik/annotation/EnclosingClass;
    value = Lcom/example/privdemo/MainActivity;
.end annotation

.annotation system Ldalvik/annotation/InnerClass;
    accessFlags = 0x1a
    name = "ConsentListener"
.end annotation

.field private final activity:Lcom/example/privdemo/MainActivity;


.method constructor <init>(Lcom/example/privdemo/MainActivity;)V
    .locals 0

    invoke-direct {p0}, Ljava/lang/Object;-><init>()V
    iput-object p1, p0, Lcom/example/privdemo/MainActivity$ConsentListener;->activity:Lcom/example/privdemo/MainActivity;

    return-void
.end method


.method public onClick(Landroid/content/DialogInterface;I)V
    .locals 4

    iget-object v0, p0, Lcom/example/privdemo/MainActivity$ConsentListener;->activity:Lcom/example/privdemo/MainActivity;

    # DialogInterface.BUTTON_POSITIVE
    const/4 v1, -0x1
    if-ne p2, v1, :disagree

    const-string v1, "privacy"
    const/4 v2, 0x0
    invoke-virtual {v0, v1, v2}, Lcom/example/privdemo/MainActivity;->getSharedPreferences(Ljava/lang/String;I)Landroid/content/SharedPreferences;
    move-result-object v1
    invoke-interface {v1}, Landroid/content/SharedPreferences;->edit()Landroid/content/SharedPreferences$Editor;
    move-result-object v1
    const-string v2, "agreed"
    const/4 v3, 0x1
    invoke-interface {v1, v2, v3}, Landroid/content/SharedPreferences$Editor;->putBoolean(Ljava/lang/String;Z)Landroid/content/SharedPreferences$Editor;
    move-result-object v1
    invoke-interface {v1}, Landroid/content/SharedPreferences$Editor;->apply()V

    return-void

    :disagree
    invoke-virtual {v0}, Lcom/example/privdemo/MainActivity;->finish()V

    return-void
.end method
