.class public Lcn/jpush/android/api/JPushInterface;
.super Ljava/lang/Object;
.source "JPushInterface.java"

# Stand-in for the JPush (极光推送) SDK entry point (not JPush's code).
# init() reads the Android ID and the hardware serial number.

.field private static sAndroidId:Ljava/lang/String;

.field private static sSerial:Ljava/lang/String;


.method private constructor <init>()V
    .locals 0

    invoke-direct {p0}, Ljava/lang/Object;-><init>()V

    return-void
.end method


.method public static init(Landroid/content/Context;)V
    .locals 2

    invoke-virtual {p0}, Landroid/content/Context;->getContentResolver()Landroid/content/ContentResolver;
    move-result-object v0
    const-string v1, "android_id"
    invoke-static {v0, v1}, Landroid/provider/Settings$Secure;->getString(Landroid/content/ContentResolver;Ljava/lang/String;)Ljava/lang/String;
    move-result-object v0
    sput-object v0, Lcn/jpush/android/api/JPushInterface;->sAndroidId:Ljava/lang/String;

    sget-object v0, Landroid/os/Build;->SERIAL:Ljava/lang/String;
    sput-object v0, Lcn/jpush/android/api/JPushInterface;->sSerial:Ljava/lang/String;

    return-void
.end method


.method public static getRegistrationID(Landroid/content/Context;)Ljava/lang/String;
    .locals 1

    sget-object v0, Lcn/jpush/android/api/JPushInterface;->sAndroidId:Ljava/lang/String;

    return-object v0
.end method
